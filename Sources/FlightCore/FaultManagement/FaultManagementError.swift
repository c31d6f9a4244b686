/// Why fault management could not be built from its configuration and the topology: a name in
/// the configuration that does not resolve. Raised once at start-up, never in a cycle.
public enum FaultManagementError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `user` names a parameter the pool does not have.
    case unknownParameter(String, user: String)
    case unknownMonitor(String, user: String)
    case unknownEvent(String, user: String)
    case unknownChannel(String, user: String)
    case unknownDevice(String, user: String)
    /// An action needs an actuator role or hook the topology did not provide.
    case missing(String, user: String)
    /// Registering a fault-management parameter failed (duplicate id or name).
    case parameter(ParameterError)

    public var description: String {
        switch self {
        case .unknownParameter(let name, let user): return "\(user): no parameter named \"\(name)\""
        case .unknownMonitor(let name, let user): return "\(user): no monitor named \"\(name)\""
        case .unknownEvent(let name, let user): return "\(user): no event named \"\(name)\""
        case .unknownChannel(let name, let user): return "\(user): no actuator channel named \"\(name)\""
        case .unknownDevice(let name, let user): return "\(user): no device named \"\(name)\""
        case .missing(let what, let user): return "\(user): needs \(what), which the topology does not provide"
        case .parameter(let error): return error.description
        }
    }
}

/// Why a fault-management telecommand (enable/disable a monitor or an event-action entry) was
/// refused; the command layer turns it into a PUS failure report.
public enum FaultCommandError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownMonitor(Int)
    case unknownEntry(Int)

    public var description: String {
        switch self {
        case .unknownMonitor(let index): return "no monitor with index \(index)"
        case .unknownEntry(let index): return "no event-action entry with index \(index)"
        }
    }
}
