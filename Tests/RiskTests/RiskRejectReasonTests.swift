import Testing
import PeregrineRisk

@Suite("Risk reject reasons")
struct RiskRejectReasonTests {
    @Test("codes and names are distinct")
    func distinct() {
        #expect(Set(RiskRejectReason.allCases.map(\.rawValue)).count == RiskRejectReason.allCases.count)
        #expect(Set(RiskRejectReason.allCases.map(\.description)).count == RiskRejectReason.allCases.count)
    }

    @Test("every reason is found again by its configuration name")
    func names() {
        for reason in RiskRejectReason.allCases { #expect(RiskRejectReason(name: reason.description) == reason) }
        #expect(RiskRejectReason(name: "no-such-reason") == nil)
    }
}
