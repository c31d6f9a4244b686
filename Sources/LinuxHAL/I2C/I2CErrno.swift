#if canImport(Glibc)
    import Glibc
#endif
import HAL

extension I2CError.Kind {
    /// The kind of an errno returned by a Linux I2C adapter (through i2c-dev).
    ///
    /// Follows the kernel's I2C/SMBus fault-code conventions (Documentation/i2c/fault-codes.rst):
    ///
    /// | errno                  | kind                          | meaning on Linux                          |
    /// |------------------------|-------------------------------|-------------------------------------------|
    /// | `ENXIO`                | `.noAcknowledge(.address)`    | the address phase got no ACK              |
    /// | `ENODEV`               | `.noAcknowledge(.address)`    | no target at the address (i2c-stub)       |
    /// | `EREMOTEIO`            | `.noAcknowledge(.unknown)`    | a NACK; which byte depends on the adapter |
    /// | `EAGAIN`               | `.arbitrationLost`            | another controller won arbitration        |
    /// | `ETIMEDOUT`            | `.timeout`                    | clock stretched too long, transfer aborted|
    /// | `EOPNOTSUPP`           | `.unsupported`                | the adapter cannot do this transfer       |
    /// | `EIO`, `EBUSY`, `EINVAL` | `.bus`                      | vague I/O error, bus stuck busy, bad parameter |
    /// | anything else (`EPROTO`, `EBADMSG`, `ESHUTDOWN`, …) | `.other` |                    |
    ///
    /// `EREMOTEIO` is not in the kernel's fault-code list, yet several widely used controller
    /// drivers return it for any NACK: the Raspberry Pi's BCM2835 for a NACKed address, the
    /// Synopsys DesignWare (many x86 and Arm SoCs) and OMAP controllers for a NACK of the address
    /// or of a data byte. No Linux errno reliably means "data byte NACKed", so
    /// `.noAcknowledge(.data)` is never produced here; `EREMOTEIO` gives `.noAcknowledge(.unknown)`
    /// and the errno stays in the ``I2CError`` for the log.
    ///
    /// `ENODEV` is what the kernel's i2c-stub (the HIL bench's I2C adapter) returns for an
    /// address where no simulated chip sits; the kernel reserves it otherwise for driver probes,
    /// not transfers. It is read as a missing target so that drivers see on the bench what an
    /// absent device gives them on real hardware (`ENXIO`).
    public init(linuxErrno code: Int32) {
        switch code {
        case ENXIO, ENODEV: self = .noAcknowledge(.address)
        case EREMOTEIO: self = .noAcknowledge(.unknown)
        case EAGAIN: self = .arbitrationLost
        case ETIMEDOUT: self = .timeout
        case EOPNOTSUPP: self = .unsupported
        case EIO, EBUSY, EINVAL: self = .bus
        default: self = .other
        }
    }
}
