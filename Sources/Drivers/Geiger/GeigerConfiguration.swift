import HAL

/// What the Geiger counter driver needs to know about its tube and its line.
///
/// Configuration keys (TOML, under the device's table):
///
/// | key              | default   | unit          |
/// |------------------|-----------|---------------|
/// | `dead_time_s`    | 190e-6    | s             |
/// | `usv_h_per_cpm`  | 0.0057    | µSv/h per CPM |
/// | `edge`           | "falling" | —             |
/// | `buffer_capacity`| 4096      | events        |
public struct GeigerConfiguration: Sendable, Equatable {
    /// The tube's dead time τ, seconds.
    ///
    /// 190 µs is the maximum dead time in the SBM-20 (СБМ-20) manufacturer's data sheet, the value
    /// quoted for it throughout the hobby and instrument literature. Measure your own tube (two-source
    /// method) for better than a few per cent at high rates.
    public var deadTimeSeconds: Double
    /// The tube's conversion factor from (dead-time corrected) CPM to µSv/h.
    ///
    /// 0.0057 µSv/h per CPM for the SBM-20 against Cs-137 gamma: the factor derived from the tube's
    /// data-sheet sensitivity in IoT-devices LLC's technical note "How to calculate the conversion
    /// factor for Geiger tube SBM20" (iot-devices.com.ua). It is only right for a photon spectrum like
    /// the calibration source's; in a mixed trapped-proton / GCR field treat the result as an index.
    public var microsievertsPerHourPerCPM: Double
    /// The edge the tube's pulse output makes at the start of a pulse (most pulse boards pull the
    /// line low: falling). Events of the other kind are ignored (and counted).
    public var countedEdge: GPIOEdgeEvent.Kind
    /// How many event timestamps are buffered between two samples. Events beyond are still counted
    /// (in the next sample) but without a timestamp, and the overflow is counted.
    public var bufferCapacity: Int

    public init(
        deadTimeSeconds: Double = 190e-6,
        microsievertsPerHourPerCPM: Double = 0.0057,
        countedEdge: GPIOEdgeEvent.Kind = .falling,
        bufferCapacity: Int = 4096
    ) {
        self.deadTimeSeconds = deadTimeSeconds
        self.microsievertsPerHourPerCPM = microsievertsPerHourPerCPM
        self.countedEdge = countedEdge
        self.bufferCapacity = bufferCapacity
    }

    /// The SBM-20 with the values above.
    public static let sbm20 = GeigerConfiguration()

    /// Checks the values are usable.
    ///
    /// - Throws: ``GeigerError/invalidConfiguration(_:)`` naming the first bad value.
    public func validate() throws(GeigerError) {
        guard deadTimeSeconds.isFinite, deadTimeSeconds >= 0, deadTimeSeconds < 0.01 else {
            throw .invalidConfiguration("dead_time_s \(deadTimeSeconds) outside 0 ..< 0.01 s")
        }
        guard microsievertsPerHourPerCPM.isFinite, microsievertsPerHourPerCPM > 0 else {
            throw .invalidConfiguration("usv_h_per_cpm \(microsievertsPerHourPerCPM) must be positive")
        }
        guard bufferCapacity > 0, bufferCapacity <= 1 << 20 else {
            throw .invalidConfiguration("buffer_capacity \(bufferCapacity) outside 1 ... 1048576")
        }
    }
}
