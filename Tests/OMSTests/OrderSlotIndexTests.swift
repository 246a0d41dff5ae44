import Testing
import PeregrineOMS

@Suite("OMS slot index")
struct OrderSlotIndexTests {
    @Test("the none slot is distinct")
    func none() { #expect(OrderSlotIndex.none != OrderSlotIndex(rawValue: 0)) }
}
