import Systems

/// Order statistics of a sample, nearest-rank (the value at rank ⌈p·n⌉ of the sorted sample):
/// the definition cyclictest's histogram gives, so both sides of a ratio use the same one.
struct Distribution {
    let sorted: [Double]

    init(_ values: [Double]) { sorted = values.sorted() }

    var count: Int { sorted.count }

    func percentile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    var minimum: Double { sorted.first ?? .nan }
    var maximum: Double { sorted.last ?? .nan }
    var median: Double { percentile(0.5) }
    var mean: Double { sorted.isEmpty ? .nan : sorted.reduce(0, +) / Double(sorted.count) }

    /// `min`, `p50`, `p99`, `p99.9`, `max` of the sample, with `suffix` (a unit) on each key.
    func summary(into object: inout JSONObject, prefix: String = "", suffix: String, scale: Double = 1, digits: Int = 3) {
        object.add(prefix + "count", count)
        object.add(prefix + "min" + suffix, minimum * scale, digits: digits)
        object.add(prefix + "p50" + suffix, percentile(0.50) * scale, digits: digits)
        object.add(prefix + "p99" + suffix, percentile(0.99) * scale, digits: digits)
        object.add(prefix + "p999" + suffix, percentile(0.999) * scale, digits: digits)
        object.add(prefix + "max" + suffix, maximum * scale, digits: digits)
    }
}

/// The median of `values` (the mean of the two middle values for an even count).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// A flat JSON object, members in insertion order.
struct JSONObject {
    private var members: [String] = []

    mutating func add(_ key: String, _ value: Double, digits: Int = 3) {
        guard value.isFinite else {
            members.append("\(jsonQuoted(key)):null")
            return
        }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        let text = rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : String(rounded)
        members.append("\(jsonQuoted(key)):\(text)")
    }

    mutating func add(_ key: String, _ value: Int) { members.append("\(jsonQuoted(key)):\(value)") }
    mutating func add(_ key: String, _ value: String) { members.append("\(jsonQuoted(key)):\(jsonQuoted(value))") }
    mutating func add(_ key: String, _ value: Bool) { members.append("\(jsonQuoted(key)):\(value)") }

    var text: String { "{" + members.joined(separator: ",") + "}" }
}
