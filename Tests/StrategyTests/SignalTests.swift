import Testing
import PeregrineCore
import PeregrineStrategy

@Suite("Signals")
struct SignalTests {
    @Test("strength and confidence are clamped to their ranges")
    func clamps() {
        let s = Signal(instrument: InstrumentId(rawValue: 1), strength: 3, confidence: -1, time: .zero)
        #expect(s.strength == 1 && s.confidence == 0)
    }
}
