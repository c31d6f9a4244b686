/// Hands out consecutive parameter IDs from a block, for components that register a variable
/// number of parameters (per rate group, per device reading).
public struct ParameterIDSequence: Sendable {
    public private(set) var next: UInt16
    public let last: UInt16

    /// IDs `first...last`.
    public init(first: UInt16, last: UInt16 = .max) {
        next = first
        self.last = last
    }

    /// The next ID, or `nil` when the block is used up.
    public mutating func take() -> ParameterID? {
        guard next <= last else { return nil }
        let id = ParameterID(next)
        if next == .max { self = ParameterIDSequence(first: 1, last: 0) } else { next += 1 }
        return id
    }
}

/// A component could not register its parameters.
public enum RegistrationError: Error, Sendable, Equatable, CustomStringConvertible {
    case parameter(ParameterError)
    /// The ID block given to the component is too small for what it registers.
    case parameterIDsExhausted(first: UInt16, last: UInt16, component: String)

    public var description: String {
        switch self {
        case .parameter(let error): return error.description
        case .parameterIDsExhausted(let first, let last, let component):
            return "\(component): parameter IDs 0x\(String(first, radix: 16))...0x\(String(last, radix: 16)) are used up"
        }
    }
}

extension ParameterPool {
    /// Registers `name` with the next ID of `ids`.
    func register(
        _ ids: inout ParameterIDSequence, first: UInt16, component: String, name: String, unit: String,
        type: ParameterType
    ) throws(RegistrationError) -> ParameterHandle {
        guard let id = ids.take() else { throw .parameterIDsExhausted(first: first, last: ids.last, component: component) }
        do {
            return try register(ParameterDefinition(id: id, name: name, unit: unit, type: type))
        } catch {
            throw .parameter(error)
        }
    }
}
