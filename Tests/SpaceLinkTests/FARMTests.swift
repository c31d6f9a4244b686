import SpaceLink
import Testing

/// FARM-1 cases of CCSDS 232.1-B-2 table 6-1, window W = 10 (PW = NW = 5).
@Suite struct FARMTests {
    func ad(_ n: UInt8) -> TCFrame { TCFrame(type: .ad, spacecraftID: 0x2A, virtualChannel: 0, sequenceNumber: n, data: [0]) }
    let bd = TCFrame(type: .bd, spacecraftID: 0x2A, virtualChannel: 0, data: [0])
    func bc(_ command: ControlCommand) -> TCFrame { TCFrame(controlCommand: command, spacecraftID: 0x2A, virtualChannel: 0) }

    @Test func inSequenceFramesAreAcceptedAndVRAdvancesModulo256() {
        var farm = FARM1(virtualChannel: 0)
        for n in 0...255 { #expect(farm.process(ad(UInt8(n)), bufferAvailable: true) == .accepted) }
        #expect(farm.receiverFrameSequenceNumber == 0)
        #expect(farm.process(ad(0), bufferAvailable: true) == .accepted)
        #expect(farm.state == .open)
    }

    @Test func duplicateOrBehindWindowIsDiscardedSilently() {
        var farm = FARM1(virtualChannel: 0)
        for n: UInt8 in 0...9 { _ = farm.process(ad(n), bufferAvailable: true) } // V(R) = 10
        #expect(farm.process(ad(9), bufferAvailable: true) == .discarded(.negativeWindow))
        #expect(farm.process(ad(5), bufferAvailable: true) == .discarded(.negativeWindow)) // V(R) − NW
        #expect(farm.state == .open)
        #expect(!farm.clcw.retransmit)
        #expect(farm.receiverFrameSequenceNumber == 10)
    }

    @Test func aheadWithinWindowSetsRetransmitUntilTheExpectedFrameArrives() {
        var farm = FARM1(virtualChannel: 0)
        #expect(farm.process(ad(1), bufferAvailable: true) == .discarded(.positiveWindow))
        #expect(farm.process(ad(4), bufferAvailable: true) == .discarded(.positiveWindow)) // V(R) + PW − 1
        #expect(farm.clcw.retransmit)
        #expect(farm.state == .open)
        #expect(farm.process(ad(0), bufferAvailable: true) == .accepted)
        #expect(!farm.clcw.retransmit)
    }

    @Test func beyondWindowLocksOutUntilUnlock() {
        var farm = FARM1(virtualChannel: 0)
        #expect(farm.process(ad(5), bufferAvailable: true) == .discarded(.enteredLockout)) // V(R) + PW
        #expect(farm.state == .lockout)
        #expect(farm.clcw.lockout)
        #expect(farm.process(ad(0), bufferAvailable: true) == .discarded(.lockedOut))
        #expect(farm.process(bd, bufferAvailable: true) == .accepted) // BD still passes
        #expect(farm.process(bc(.setVR(7)), bufferAvailable: true) == .notExecuted(.setVR(7)))
        #expect(farm.receiverFrameSequenceNumber == 0)
        #expect(farm.process(bc(.unlock), bufferAvailable: true) == .executed(.unlock))
        #expect(farm.state == .open)
        #expect(!farm.clcw.lockout)
        #expect(farm.process(ad(0), bufferAvailable: true) == .accepted)
        // FARM-B counted the BD, the refused Set V(R) and the Unlock.
        #expect(farm.farmBCounter == 3)
        #expect(farm.clcw.farmBCounter == 3)
    }

    @Test func belowNegativeWindowLocksOut() {
        var farm = FARM1(virtualChannel: 0)
        #expect(farm.process(ad(250), bufferAvailable: true) == .discarded(.enteredLockout)) // V(R) − NW − 1
    }

    @Test func setVRMovesTheWindow() {
        var farm = FARM1(virtualChannel: 0)
        _ = farm.process(ad(2), bufferAvailable: true) // retransmit set
        #expect(farm.process(bc(.setVR(200)), bufferAvailable: true) == .executed(.setVR(200)))
        #expect(farm.receiverFrameSequenceNumber == 200)
        #expect(!farm.clcw.retransmit)
        #expect(farm.process(ad(200), bufferAvailable: true) == .accepted)
        #expect(farm.clcw.reportValue == 201)
    }

    @Test func fullBufferEntersWaitUntilReleased() {
        var farm = FARM1(virtualChannel: 0)
        #expect(farm.process(ad(0), bufferAvailable: false) == .discarded(.noBuffer))
        #expect(farm.state == .wait)
        #expect(farm.clcw.wait && farm.clcw.retransmit)
        #expect(farm.process(ad(0), bufferAvailable: true) == .discarded(.waiting))
        #expect(farm.process(bd, bufferAvailable: false) == .accepted)
        farm.releaseBuffer()
        #expect(farm.state == .open)
        #expect(!farm.clcw.wait)
        #expect(farm.process(ad(0), bufferAvailable: true) == .accepted)
        #expect(!farm.clcw.retransmit)
    }

    @Test func unlockLeavesWait() {
        var farm = FARM1(virtualChannel: 0)
        _ = farm.process(ad(0), bufferAvailable: false)
        #expect(farm.process(bc(.unlock), bufferAvailable: true) == .executed(.unlock))
        #expect(farm.state == .open)
        #expect(!farm.clcw.wait)
    }

    @Test func bypassFramesAreAcceptedInEveryState() {
        var farm = FARM1(virtualChannel: 0)
        #expect(farm.process(bd, bufferAvailable: true) == .accepted)
        #expect(farm.receiverFrameSequenceNumber == 0)
        #expect(farm.clcw.farmBCounter == 1)
        for _ in 0..<4 { _ = farm.process(bd, bufferAvailable: true) }
        #expect(farm.clcw.farmBCounter == 1) // two low bits of 5
    }

    @Test func malformedControlCommandIsIgnored() {
        var farm = FARM1(virtualChannel: 0)
        let bogus = TCFrame(type: .bc, spacecraftID: 0x2A, virtualChannel: 0, data: [0x01])
        #expect(farm.process(bogus, bufferAvailable: true) == .invalidControlCommand)
        #expect(farm.farmBCounter == 0)
    }
}

@Suite struct CLCWTests {
    @Test func encodesEveryFieldAtItsBits() throws {
        // Type 0, version 00, status 000, COP 01 | VC 000001, spare 00 |
        // noRF 0, noLock 0, lockout 1, wait 0, retransmit 1, FARM-B 10, spare 0 | V(R) 0x2A.
        let clcw = CLCW(virtualChannel: 1, lockout: true, retransmit: true, farmBCounter: 2, reportValue: 0x2A)
        #expect(clcw.encoded == [0x01, 0x04, 0x2C, 0x2A])
        #expect(try CLCW(bytes: [0x01, 0x04, 0x2C, 0x2A]) == clcw)
        let flags = CLCW(statusField: 0b101, virtualChannel: 0x3F, noRFAvailable: true, noBitLock: true, wait: true, reportValue: 0xFF)
        #expect(flags.encoded == [0x15, 0xFC, 0xD0, 0xFF])
        #expect(try CLCW(word: flags.word) == flags)
    }

    @Test func rejectsNonCLCWWords() {
        #expect(throws: CLCWError.notACLCW) { try CLCW(word: 0x8100_0000) }
        #expect(throws: CLCWError.notACLCW) { try CLCW(word: 0x2100_0000) }
        #expect(throws: CLCWError.wrongLength(3)) { try CLCW(bytes: [1, 2, 3]) }
    }

    @Test func farmReportsItsStateInTheCLCW() {
        var farm = FARM1(virtualChannel: 1)
        _ = farm.process(TCFrame(type: .ad, spacecraftID: 1, virtualChannel: 1, sequenceNumber: 0, data: [0]), bufferAvailable: true)
        #expect(farm.clcw(noBitLock: true).encoded == [0x01, 0x04, 0x40, 0x01])
    }
}
