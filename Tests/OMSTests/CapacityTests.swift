import Testing
import PeregrineCore
@testable import PeregrineOMS

@Suite("OMS slots: capacity, linger and recycling")
struct CapacityTests {
    @Test("a full table refuses new orders until a terminal order has lingered")
    func exhaustionAndLinger() {
        var h = OMSHarness(capacity: 4, linger: .seconds(10))
        for i in 1...4 { #expect(h.send(UInt64(i)).code == .applied) }
        #expect(h.send(5).code == .capacityExhausted)
        h.apply(.canceled, 2, status: .canceled)
        h.clock.advance(by: .seconds(5))
        #expect(h.send(5).code == .capacityExhausted)            // still lingering
        #expect(h.apply(.canceled, 2, status: .canceled).code == .noChange)  // a late report still matches
        h.clock.advance(by: .seconds(5))
        let slot = h.oms.slot(of: id(2))
        let generation = h.oms.order(at: slot).generation
        let result = h.send(5)
        #expect(result.code == .applied && result.slot == slot)
        #expect(h.oms.order(at: slot).generation == generation &+ 1)
        #expect(h.oms.slot(of: id(2)) == .none)
        #expect(h.apply(.canceled, 2, status: .canceled).code == .unknownOrder)
        #expect(h.oms.count(of: .capacityExhausted) == 2)
        #expect(h.oms.ordersInUse == 4)
    }

    @Test("lingering orders are recycled oldest first, and can be released in bulk")
    func recycleOrder() {
        var h = OMSHarness(capacity: 3, linger: .seconds(1))
        for i in 1...3 { h.send(UInt64(i)) }
        h.apply(.rejected, 3, status: .rejected)
        h.clock.advance(by: .milliseconds(10))
        h.apply(.rejected, 1, status: .rejected)
        h.clock.advance(by: .seconds(1))
        #expect(h.send(4).slot == h.oms.slot(of: id(4)))
        #expect(h.oms.slot(of: id(3)) == .none && h.oms.slot(of: id(1)) != .none)
        h.clock.advance(by: .seconds(1))
        #expect(h.oms.releaseLingeringOrders(now: h.clock.now()) == 1)
        #expect(h.oms.ordersInUse == 2)
    }

    @Test("thousands of orders cycle through a small table without leaking slots or ids")
    func longRun() {
        var h = OMSHarness(capacity: 16, executions: 64, linger: .zero)
        var rng = SplitMix64(seed: 7)
        var live: [UInt64] = []
        var nextId: UInt64 = 1
        for _ in 0..<20_000 {
            if live.count < 12 && Bool.random(using: &rng) {
                #expect(h.send(nextId, side: Bool.random(using: &rng) ? .buy : .sell, quantity: 10).code == .applied)
                h.apply(.new, nextId, venueOrderId: nextId &* 31)
                live.append(nextId)
                nextId += 1
            } else if let k = live.indices.randomElement(using: &rng) {
                let orderId = live[k]
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: h.fill(orderId, quantity: h.oms.order(id(orderId))!.leavesQuantity.integerPart)
                case 1: h.apply(.canceled, orderId, status: .canceled)
                case 2:
                    h.sendReplace(nextId, of: orderId, quantity: 10)
                    h.apply(.replaced, nextId, original: orderId)
                    live[k] = nextId
                    nextId += 1
                    continue
                default: h.fill(orderId, quantity: 5)
                }
                if h.oms.order(id(live[k]))?.isTerminal == true { live.remove(at: k) }
            }
            h.clock.advance(by: .microseconds(1))
        }
        #expect(h.oms.faultCount == 0, "\(OrderEventCode.allCases.map { ($0, h.oms.count(of: $0)) })")
        #expect(h.oms.ordersInUse <= 16)
        var working = 0
        h.oms.forEachOrder { _, order in if !order.isTerminal { working += 1 } }
        #expect(working == live.count)
    }

    @Test("the key index agrees with a dictionary under random inserts and removes")
    func keyIndexAgainstDictionary() {
        var index = SlotKeyIndex(capacity: 100)
        var model: [UInt64: UInt32] = [:]
        var rng = SplitMix64(seed: 99)
        for step in 0..<50_000 {
            let key = UInt64.random(in: 1...300, using: &rng) &* 0x1_0000_0001   // clustered keys
            let scope = UInt16.random(in: 0...1, using: &rng)
            let k = key ^ UInt64(scope) << 60
            if Bool.random(using: &rng) {
                let inserted = index.insert(key, scope: scope, value: UInt32(step))
                if inserted { model[k] = UInt32(step) } else { #expect(model.count == 100 && model[k] == nil) }
            } else {
                #expect(index.remove(key, scope: scope) == (model.removeValue(forKey: k) != nil))
            }
            #expect(index.count == model.count)
            let probe = UInt64.random(in: 1...300, using: &rng) &* 0x1_0000_0001
            #expect(index.find(probe, scope: 0) == model[probe])
        }
        #expect(index.find(0) == nil && !index.insert(0, value: 1))
    }

    @Test("order records and ledger fills keep their sizes")
    func layout() {
        #expect(MemoryLayout<OrderRecord>.size <= 192)
        #expect(MemoryLayout<ExecutionLedger.Fill>.stride == 80)
        #expect(MemoryLayout<SlotKeyIndex.Entry>.stride == 16)
    }
}
