print("iost-ground")
