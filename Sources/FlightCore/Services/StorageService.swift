import HAL
import SpaceLink

/// What a ST[15] request produced: its reports (TM[15,13], [15,19], [15,23]) and, when it could
/// not be done, the completion failure (TM[1,8]) with the store it concerns.
public struct StorageOutcome: Sendable {
    public var reports: [StorageReport]
    public var failure: (code: VerificationFailureCode, storeID: UInt16)?

    public init(reports: [StorageReport] = [], failure: (code: VerificationFailureCode, storeID: UInt16)? = nil) {
        self.reports = reports
        self.failure = failure
    }
}

/// The onboard packet stores as ST[15] sees them. The stores belong to the telemetry thread, so
/// an accepted TC[15,x] travels as a record from the executive (TM[1,3] at the cycle boundary)
/// to that thread, which performs it in ``SpaceServices/pump(limit:observingEvents:)`` and sends
/// its reports and TM[1,7]/[1,8] there.
///
/// - Warning: ``perform(_:at:)`` is called on the telemetry thread only.
public protocol PacketStorageService: AnyObject {
    /// Performs one accepted request (store IDs already checked against the configured stores).
    func perform(_ request: StorageRequestMessage, at time: MonotonicInstant) -> StorageOutcome
}

extension ServiceCommand {
    /// A TC[15,x] in the fixed-size form: store IDs in `words`, times (u64 bit patterns) in `values`.
    static func storage(_ message: StorageRequestMessage, request: RequestID, flags: AcknowledgementFlags) -> ServiceCommand {
        var command = ServiceCommand(.storage, request: request, flags: flags)
        command.detail = message.messageType.subtype
        switch message {
        case .retrieveByTime(let ranges):
            for range in ranges.prefix(maximumItems / 2) {
                command.words[command.count] = UInt32(range.storeID)
                command.values[2 * command.count] = Double(bitPattern: range.start)
                command.values[2 * command.count + 1] = Double(bitPattern: range.end)
                command.count += 1
            }
        case .deleteUpTo(let time, let stores), .setOpenRetrievalStart(let time, let stores):
            for id in stores.prefix(maximumItems) { command.append(UInt32(id)) }
            command.values[0] = Double(bitPattern: time)
        default:
            for id in message.stores.prefix(maximumItems) { command.append(UInt32(id)) }
        }
        return command
    }
}

extension ServiceReport {
    /// The request a ``Kind/storageRequest`` record carries.
    var storageRequest: StorageRequestMessage? {
        let ids = (0..<count).map { UInt16(truncatingIfNeeded: words[$0]) }
        let time = values[0].bitPattern
        switch MessageType(15, UInt8(truncatingIfNeeded: structure)) {
        case .storageEnable: return .enable(stores: ids)
        case .storageDisable: return .disable(stores: ids)
        case .storageSummaryRequest: return .summary(stores: ids)
        case .storageOpenRetrievalResume: return .resumeOpenRetrieval(stores: ids)
        case .storageOpenRetrievalSuspend: return .suspendOpenRetrieval(stores: ids)
        case .storageRetrieveByTimeAbort: return .abortRetrieveByTime(stores: ids)
        case .storageDeleteUpTo: return .deleteUpTo(time: time, stores: ids)
        case .storageOpenRetrievalStart: return .setOpenRetrievalStart(time: time, stores: ids)
        case .storageRetrieveByTime:
            return .retrieveByTime(
                (0..<count).map { RetrievalRange(storeID: ids[$0], start: values[2 * $0].bitPattern, end: values[2 * $0 + 1].bitPattern) })
        case .storageStatusRequest: return .status
        case .storageConfigurationRequest: return .configuration
        default: return nil
        }
    }
}
