/// Sixteen values stored inline (no heap storage): the list payload of the fixed-size records
/// that cross threads through the services' rings.
///
/// A homogeneous tuple is laid out contiguously with the element's stride, so it is indexed
/// through a typed pointer to its first element.
struct Inline16<Element: BitwiseCopyable & Sendable>: Sendable {
    static var capacity: Int { 16 }
    private var storage:
        (
            Element, Element, Element, Element, Element, Element, Element, Element,
            Element, Element, Element, Element, Element, Element, Element, Element
        )

    init(repeating value: Element) {
        storage = (
            value, value, value, value, value, value, value, value,
            value, value, value, value, value, value, value, value
        )
    }

    /// - Precondition: `0 ≤ index < 16` (programmer error otherwise).
    @inline(__always)
    subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < 16, "Inline16 index out of range")
            return withUnsafeBytes(of: storage) { $0.load(fromByteOffset: index * MemoryLayout<Element>.stride, as: Element.self) }
        }
        set {
            precondition(index >= 0 && index < 16, "Inline16 index out of range")
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: newValue, toByteOffset: index * MemoryLayout<Element>.stride, as: Element.self) }
        }
    }
}

/// Sixty-four values stored inline: a housekeeping snapshot.
struct Inline64<Element: BitwiseCopyable & Sendable>: Sendable {
    static var capacity: Int { 64 }
    private var a, b, c, d: Inline16<Element>

    init(repeating value: Element) {
        a = Inline16(repeating: value)
        b = a
        c = a
        d = a
    }

    /// - Precondition: `0 ≤ index < 64`.
    @inline(__always)
    subscript(index: Int) -> Element {
        get {
            switch index >> 4 {
            case 0: return a[index & 15]
            case 1: return b[index & 15]
            case 2: return c[index & 15]
            case 3: return d[index & 15]
            default: preconditionFailure("Inline64 index out of range")
            }
        }
        set {
            switch index >> 4 {
            case 0: a[index & 15] = newValue
            case 1: b[index & 15] = newValue
            case 2: c[index & 15] = newValue
            case 3: d[index & 15] = newValue
            default: preconditionFailure("Inline64 index out of range")
            }
        }
    }
}
