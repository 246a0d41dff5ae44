import Testing
@testable import PeregrineMarketData
import PeregrineCore

@Suite("Order-by-order (L3) books and the order table")
struct OrderByOrderBookTests {
    static let id = InstrumentId(rawValue: 1)

    @Test("random adds, reductions, deletes and replaces agree with a Dictionary of orders and its price aggregate")
    func randomAgainstModel() {
        var rng = BookTestRandom(state: 99)
        var books = OrderByOrderBooks(instrumentCapacity: 2, maxOrders: 500, maxLevels: 64)
        var model: [UInt64: BookOrder] = [:]
        var nextId: UInt64 = 1
        var agreed = true, full = 0
        for _ in 0..<30_000 {
            let roll = Int.random(in: 0..<10, using: &rng)
            let existing = model.keys.randomElement(using: &rng)
            if roll < 4 || existing == nil {
                let side: BookSide = Bool.random(using: &rng) ? .bid : .ask
                let ticks = side == .bid ? Int64.random(in: 9_970...9_999, using: &rng) : Int64.random(in: 10_000...10_029, using: &rng)
                let order = BookOrder(instrument: Self.id, side: side, price: Price(rawValue: ticks * 1_000_000),
                                      quantity: Quantity(rawValue: Int64.random(in: 1...10, using: &rng) * 100))
                let result = books.add(orderId: nextId, Self.id, side, price: order.price, quantity: order.quantity)
                if model.count == 500 {
                    full += 1
                    if result != .tableFull { agreed = false }
                    books.levels.clear(Self.id)          // clear the flag the full table set;
                    rebuild(&books, model)              // the model is still the truth
                } else {
                    if result != .applied { agreed = false }
                    model[nextId] = order
                }
                nextId += 1
            } else if let orderId = existing {
                var order = model[orderId]!
                switch roll {
                case 4, 5:
                    let by = Int64.random(in: 1...1_200, using: &rng)
                    if books.reduce(orderId: orderId, by: Quantity(rawValue: by)) != .applied { agreed = false }
                    order.quantity.rawValue -= min(by, order.quantity.rawValue)
                    model[orderId] = order.quantity.rawValue == 0 ? nil : order
                case 6, 7:
                    if books.delete(orderId: orderId) != .applied { agreed = false }
                    model[orderId] = nil
                default:
                    order.price.rawValue += Int64.random(in: -2...2, using: &rng) * 1_000_000
                    order.quantity = Quantity(rawValue: 300)
                    if books.replace(orderId: orderId, newOrderId: nextId, price: order.price, quantity: order.quantity) != .applied {
                        agreed = false
                    }
                    model[orderId] = nil
                    model[nextId] = order
                    nextId += 1
                }
            }
            guard agreed, books.orders.count == model.count, aggregateMatches(books, model) else { agreed = false; break }
        }
        #expect(agreed)
        #expect(full > 0)
        for (orderId, order) in model { #expect(books.orders[orderId] == order) }
        #expect(books.delete(orderId: 999_999_999) == .unknownOrder)
        #expect(books.add(orderId: model.keys.first!, Self.id, .bid, price: Price(rawValue: 1), quantity: Quantity(rawValue: 1)) == .duplicateOrder)
    }

    func rebuild(_ books: inout OrderByOrderBooks, _ model: [UInt64: BookOrder]) {
        for order in model.values {
            books.levels.adjustLevel(order.instrument.index, order.side, price: order.price.rawValue, by: order.quantity.rawValue)
        }
    }

    func aggregateMatches(_ books: OrderByOrderBooks, _ model: [UInt64: BookOrder]) -> Bool {
        for side in BookSide.allCases {
            var byPrice: [Int64: Int64] = [:]
            for o in model.values where o.side == side { byPrice[o.price.rawValue, default: 0] += o.quantity.rawValue }
            let expected = byPrice.sorted { side == .bid ? $0.key > $1.key : $0.key < $1.key }
                .map { BookLevel(price: Price(rawValue: $0.key), quantity: Quantity(rawValue: $0.value)) }
            if levels(books.levels, Self.id, side) != expected { return false }
        }
        return true
    }

    @Test("the order table survives heavy churn: backward-shift deletion keeps every key findable")
    func tableChurn() {
        var rng = BookTestRandom(state: 5)
        var table = OrderTable(maxOrders: 64)
        var model: [UInt64: BookOrder] = [:]
        let order = BookOrder(instrument: Self.id, side: .ask, price: Price(rawValue: 1), quantity: Quantity(rawValue: 1))
        var ok = true
        for step in 0..<50_000 {
            // Small key space so probe runs collide and wrap.
            let key = UInt64.random(in: 1...200, using: &rng)
            if model[key] == nil && model.count < 64 {
                ok = ok && table.insert(key, BookOrder(instrument: Self.id, side: .bid, price: Price(rawValue: Int64(step)), quantity: order.quantity))
                model[key] = table[key]
            } else if model[key] != nil {
                ok = ok && table.remove(key) == model[key]
                model[key] = nil
            } else {
                ok = ok && !table.insert(key, order)   // full
            }
            if step % 97 == 0 {
                ok = ok && (1...200).allSatisfy { table[UInt64($0)] == model[UInt64($0)] }
            }
        }
        #expect(ok && table.count == model.count)
        #expect(table.keys.count == 128 && !table.insert(0, order) && table[0] == nil)
    }
}
