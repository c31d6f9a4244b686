import HAL
import SpaceLink

/// The CLCWs of the uplink's FARMs, shared between the uplink (which writes them after each
/// TC frame) and the downlink (which puts one in every TM frame's OCF).
///
/// With several TC virtual channels the OCF reports them in turn, one per frame; each CLCW
/// names its own virtual channel, so the ground's FOP-1 can tell them apart.
public final class CLCWReport: Sendable {
    private struct State {
        var words: [CLCW]
        var nextIndex = 0
    }
    private let state: LockedValue<State>

    /// One CLCW per virtual channel, each in its initial state (Open, V(R) = 0).
    /// - Precondition: at least one virtual channel.
    public init(virtualChannels: [UInt8] = [0, 1]) {
        precondition(!virtualChannels.isEmpty, "a CLCW report needs a virtual channel")
        state = LockedValue(State(words: virtualChannels.map { CLCW(virtualChannel: $0) }))
    }

    /// Replaces the CLCW of `clcw.virtualChannel` (adding that channel if it is new).
    public func update(_ clcw: CLCW) {
        state.withLock { state in
            if let index = state.words.firstIndex(where: { $0.virtualChannel == clcw.virtualChannel }) {
                state.words[index] = clcw
            } else {
                state.words.append(clcw)
            }
        }
    }

    /// The CLCW for the next TM frame: the virtual channels in turn.
    public func next() -> CLCW {
        state.withLock { state in
            let index = state.nextIndex % state.words.count
            state.nextIndex = (index + 1) % state.words.count
            return state.words[index]
        }
    }

    /// The current CLCW of `virtualChannel`, if it is reported.
    public func clcw(virtualChannel: UInt8) -> CLCW? {
        state.withLock { $0.words.first { $0.virtualChannel == virtualChannel } }
    }

    /// Every reported CLCW.
    public var all: [CLCW] { state.withLock { $0.words } }
}
