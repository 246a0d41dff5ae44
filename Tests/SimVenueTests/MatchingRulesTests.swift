import Testing
import PeregrineSimVenue

@Suite("Simulated venue rules")
struct MatchingRulesTests {
    @Test("self-trade rules have distinct names")
    func names() { #expect(Set(SelfTradePrevention.allCases.map(\.description)).count == 4) }
}
