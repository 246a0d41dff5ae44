import Testing
import PeregrineMarketData

@Suite("Market-data drop reasons")
struct DropReasonTests {
    @Test("every reason has a distinct code and name")
    func distinct() {
        let codes = Set(MarketDataDropReason.allCases.map(\.rawValue))
        let names = Set(MarketDataDropReason.allCases.map(\.description))
        #expect(codes.count == MarketDataDropReason.allCases.count)
        #expect(names.count == MarketDataDropReason.allCases.count)
    }
}
