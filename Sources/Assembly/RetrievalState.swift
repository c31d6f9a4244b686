import Systems

/// What a packet store's retrieval was doing, kept across a restart in
/// `<state>/store/NAME/retrieval` so that a restart neither sends the ground the whole store
/// again nor forgets what a pass must replay:
///
///     iost-retrieval 1
///     storage-enabled 1          # TC[15,1]/[15,2]
///     open-start 1800000061250   # the open retrieval's position (Unix ms, TC[15,14] or the last packet sent)
///     open-in-progress 0         # TC[15,15]/[15,16]
///     loss-mark 0x6b49d2000000   # out of contact: the newest stored time at loss of signal (`retrieve_on_aos`)
///
/// A missing file is a first start; an unreadable or foreign one is ignored (the defaults: storage
/// on, open retrieval from the present, suspended).
struct RetrievalState: Equatable {
    static let header = "iost-retrieval 1"
    static let fileName = "retrieval"

    var storageEnabled = true
    var openStart: UInt64 = 0
    var openInProgress = false
    var lossMark: UInt64?

    var text: String {
        var text = Self.header + "\n"
        text += "storage-enabled \(storageEnabled ? 1 : 0)\n"
        text += "open-start \(openStart)\n"
        text += "open-in-progress \(openInProgress ? 1 : 0)\n"
        if let lossMark { text += "loss-mark 0x\(String(lossMark, radix: 16))\n" }
        return text
    }

    /// The state `text` holds, `nil` for a file of another format or version, or one with a
    /// malformed line (it is then ignored as a whole: half a retrieval state is worse than none).
    init?(text: String) {
        var lines = text.split(separator: "\n")
        guard lines.first == Substring(Self.header) else { return nil }
        lines.removeFirst()
        for line in lines {
            let fields = line.split(separator: " ")
            guard fields.count == 2 else { return nil }
            switch fields[0] {
            case "storage-enabled":
                guard let flag = Self.flag(fields[1]) else { return nil }
                storageEnabled = flag
            case "open-start":
                guard let value = UInt64(fields[1]) else { return nil }
                openStart = value
            case "open-in-progress":
                guard let flag = Self.flag(fields[1]) else { return nil }
                openInProgress = flag
            case "loss-mark":
                guard fields[1].hasPrefix("0x"), let value = UInt64(fields[1].dropFirst(2), radix: 16) else { return nil }
                lossMark = value
            default:
                return nil
            }
        }
    }

    init() {}

    /// Whether `other` differs in more than the open retrieval's position (which moves with
    /// every packet replayed and is written at most every ``OnboardStorage/retrievalSaveInterval``).
    func differsBeyondPosition(from other: RetrievalState) -> Bool {
        storageEnabled != other.storageEnabled || openInProgress != other.openInProgress || lossMark != other.lossMark
    }

    private static func flag(_ field: Substring) -> Bool? {
        switch field {
        case "0": false
        case "1": true
        default: nil
        }
    }

    /// Reads the state kept at `path`: `nil` when there is none usable.
    static func read(atPath path: String) -> RetrievalState? {
        guard let text = try? readTextFile(atPath: path, limit: 4096) else { return nil }
        return RetrievalState(text: text)
    }
}
