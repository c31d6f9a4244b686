import HAL
import SpaceLink
import Systems

/// What the downlink reports for the assembly to raise as events (from the downlink's thread).
public enum DownlinkNotice: Sendable, Equatable {
    /// Writing the frame-count reservation failed; frames go on (availability first) but a crash
    /// now could reuse counts. Reported once per failure streak, retried every second.
    case frameCountWriteFailed(SystemCallError)
    /// A reservation was written again after failures.
    case frameCountWriteRecovered
}

/// The downlink's duties around passes, run before every frame slot on the detecting thread:
/// sample the contact source; on loss of signal empty the real-time queues (counted as discarded:
/// the packet store keeps those packets) and stop making frames, so the frame counts stay
/// contiguous across the gap; on acquisition restart the slot clock (no burst, no missed slots);
/// and keep the frame-count reservation ahead of the counts in use (``FrameCountFile``).
///
/// - Warning: ``prepare(now:scheduler:)``: the detecting thread only (the sender thread, or the
///   caller of ``Downlink/pump(now:)``).
final class DownlinkPasses: @unchecked Sendable {
    let contact: ContactMonitor?
    let frameCountFile: FrameCountFile?
    let notice: (@Sendable (DownlinkNotice) -> Void)?
    /// How long after a failed reservation the next is tried.
    let retryInterval: Duration = .seconds(1)

    // Detecting thread only.
    /// Frames produced (``DownlinkStatistics/frames``) when the last reservation was written.
    private var reservedAtFrame: UInt64?
    private var failing = false
    private var nextRetry: MonotonicInstant?

    init(contact: ContactMonitor?, frameCountFile: FrameCountFile?, notice: (@Sendable (DownlinkNotice) -> Void)?) {
        self.contact = contact
        self.frameCountFile = frameCountFile
        self.notice = notice
    }

    /// Runs the pass duties for `now`.
    /// - Returns: whether frames may be made now (in contact).
    func prepare(now: MonotonicInstant, scheduler: LockedValue<DownlinkScheduler>) -> Bool {
        if let contact {
            if contact.isSampleDue(now: now), let transition = contact.update(now: now) {
                switch transition {
                case .acquisition:
                    scheduler.withLock { $0.restartSlotClock() }
                case .loss:
                    // Enqueue checks the (already cleared) contact flag under the same lock, so no
                    // real-time packet slips in behind this.
                    let removed = scheduler.withLock { $0.discardRealTime() }
                    contact.countRealTimeDiscarded(removed)
                }
            }
            guard contact.isInContact else { return false }
        }
        if let frameCountFile { reserveIfDue(frameCountFile, now: now, scheduler: scheduler) }
        return true
    }

    /// Writes a new reservation before the first frame and whenever half the block is used.
    private func reserveIfDue(_ file: FrameCountFile, now: MonotonicInstant, scheduler: LockedValue<DownlinkScheduler>) {
        let (produced, counts) = scheduler.withLock { ($0.statistics.frames, $0.frameCounts) }
        if let reservedAtFrame, produced &- reservedAtFrame < UInt64(file.block / 2) { return }
        if failing, let nextRetry, now < nextRetry { return }
        do {
            try file.reserve(from: counts)
            reservedAtFrame = produced
            if failing {
                failing = false
                notice?(.frameCountWriteRecovered)
            }
        } catch {
            if !failing { notice?(.frameCountWriteFailed(error)) }
            failing = true
            nextRetry = now.advanced(by: retryInterval)
        }
    }
}
