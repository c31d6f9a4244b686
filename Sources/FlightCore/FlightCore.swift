// FlightCore
