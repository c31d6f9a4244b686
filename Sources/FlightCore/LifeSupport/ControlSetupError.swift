/// Why a control component (life support, power) could not be built from its configuration.
///
/// Raised while the topology is assembled, never in a cycle; `iostd` reports it like a
/// configuration error and does not start.
public enum ControlSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration names an input parameter that is not in the pool (the key, the name).
    case unknownParameter(key: String, name: String)
    /// The configuration names an actuator channel that the topology did not hand in.
    case unknownChannel(key: String, name: String)
    /// A load-shedding entry names a channel that life support drives.
    case protectedChannel(name: String)
    /// A derived or tunable parameter could not be registered (ID or name already taken).
    case registration(ParameterError)
    /// The configuration values are inconsistent.
    case configuration(ConfigurationError)

    public var description: String {
        switch self {
        case .unknownParameter(let key, let name): return "key \"\(key)\": no parameter named \"\(name)\" in the pool"
        case .unknownChannel(let key, let name): return "key \"\(key)\": no actuator channel named \"\(name)\""
        case .protectedChannel(let name): return "channel \"\(name)\" is driven by life support and can never be shed"
        case .registration(let error): return "cannot register parameter: \(error)"
        case .configuration(let error): return error.description
        }
    }
}

/// Setup-time helpers shared by the control components.
enum ControlSetup {
    /// Registers a component's derived and tunable parameters at `base` + offset.
    struct ParameterBlock {
        let pool: ParameterPool
        let base: UInt16

        /// A derived (measured or computed) parameter.
        func derived(_ offset: Int, _ name: String, _ unit: String, _ type: ParameterType) throws(ControlSetupError) -> ParameterHandle {
            try ControlSetup.register(pool, ParameterDefinition(id: ControlSetup.id(base, offset), name: name, unit: unit, type: type))
        }

        /// Requires `lower` < `upper` for every set of the two tunables (see ``ParameterConstraint``).
        func below(_ lower: ParameterHandle, _ upper: ParameterHandle) {
            pool.addConstraint(ParameterConstraint(lower: lower, below: upper))
        }

        /// A tunable (f32) parameter with its range and initial value.
        func tunable(_ offset: Int, _ name: String, _ unit: String, _ range: ClosedRange<Double>, _ value: Double) throws(ControlSetupError) -> ParameterHandle {
            try ControlSetup.register(
                pool,
                ParameterDefinition(
                    id: ControlSetup.id(base, offset), name: name, unit: unit, type: .f32,
                    tunable: true, range: range, initialValue: value))
        }
    }

    static func input(_ pool: ParameterPool, key: String, name: String) throws(ControlSetupError) -> ParameterHandle {
        do {
            return try pool.handle(named: name)
        } catch {
            throw .unknownParameter(key: key, name: name)
        }
    }

    static func channel(_ channels: [ActuatorChannel], key: String, name: String) throws(ControlSetupError) -> ActuatorChannel {
        guard let channel = channels.first(where: { $0.name == name }) else { throw .unknownChannel(key: key, name: name) }
        return channel
    }

    static func register(_ pool: ParameterPool, _ definition: ParameterDefinition) throws(ControlSetupError) -> ParameterHandle {
        do {
            return try pool.register(definition)
        } catch {
            throw .registration(error)
        }
    }

    /// `base + offset` as a parameter ID.
    static func id(_ base: UInt16, _ offset: Int) -> ParameterID {
        ParameterID(UInt16(truncatingIfNeeded: Int(base) + offset))
    }
}
