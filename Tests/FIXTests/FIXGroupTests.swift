import Testing
import PeregrineCore
@testable import PeregrineFIX

@Suite("FIX repeating groups driven by the dictionary")
struct FIXGroupTests {
    typealias T = FIXTestSupport

    @Test("market data entries are read instance by instance")
    func marketData() throws {
        let body = "35=W|49=V|56=P|34=5|52=20261126-14:30:05.123|262=R1|55=AAPL|268=3|"
            + "269=0|270=187.24|271=300|269=1|270=187.26|271=200|269=2|270=187.25|271=40|"
        let bytes = T.message("FIX.4.4", body)
        try T.parse(bytes) { _, parser in
            let m = parser.message
            #expect(Dictionaries.fix44.validate(m) == .valid)
            var cursor = try #require(m.group(FIXTag.noMDEntries, dictionary: Dictionaries.fix44))
            #expect(cursor.declaredCount == 3)
            var prices: [Price] = []
            var sizes: [Quantity] = []
            var types: [UInt8] = []
            while let entry = cursor.next() {
                prices.append(entry.price(FIXTag.mdEntryPx).value!)
                sizes.append(entry.quantity(FIXTag.mdEntrySize).value!)
                types.append(entry.char(FIXTag.mdEntryType).value!)
            }
            #expect(cursor.problem == nil)
            #expect(prices == [Price("187.24")!, Price("187.26")!, Price("187.25")!])
            #expect(sizes == [Quantity(units: 300)!, Quantity(units: 200)!, Quantity(units: 40)!])
            #expect(types == Array("012".utf8))
        }
    }

    @Test("nested Parties sub-IDs are walked inside their party")
    func nestedParties() throws {
        let body = "35=D|49=P|56=V|34=5|52=20261126-14:30:05.123|11=1|453=2|448=FIRM|447=D|452=1|802=2|523=DESK|803=4|523=TRADER|803=2|"
            + "448=CLEAR|447=D|452=4|55=AAPL|54=1|60=20261126-14:30:05.123|38=1|40=1|"
        let bytes = T.message("FIX.4.4", body)
        try T.parse(bytes) { _, parser in
            let m = parser.message
            #expect(Dictionaries.fix44.validate(m) == .valid)
            let definition = try #require(Dictionaries.fix44.group(countTag: FIXTag.noPartyIDs, in: .newOrderSingle))
            var parties = try #require(m.group(definition, dictionary: Dictionaries.fix44))
            let firstInstance = parties.next()
            let first = try #require(firstInstance)
            #expect(first.has(FIXTag.partyID, equalTo: "FIRM"))
            var subs = try #require(first.group(FIXTag.noPartySubIDs, dictionary: Dictionaries.fix44))
            var subIDs: [String] = []
            while let s = subs.next() { subIDs.append(T.text(s.bytes(FIXTag.partySubID).value!)) }
            #expect(subIDs == ["DESK", "TRADER"])
            #expect(subs.problem == nil)
            let secondInstance = parties.next()
            let second = try #require(secondInstance)
            #expect(second.has(FIXTag.partyID, equalTo: "CLEAR"))
            #expect(second.int(FIXTag.partyRole).value == 4)
            let noSubs = second.group(FIXTag.noPartySubIDs, dictionary: Dictionaries.fix44)
            #expect(noSubs == nil)
            let after = parties.next()
            #expect(after == nil)
            #expect(parties.problem == nil)
        }
    }

    @Test("a wrong count or a missing delimiter is reported by the cursor")
    func problems() throws {
        for (group, problem) in [("268=3|269=0|270=1|269=1|270=2|", FIXGroupProblem.countMismatch(declared: 3, found: 2)),
                                 ("268=1|270=1|269=0|", .outOfOrder(tag: 270)),
                                 ("268=-1|269=0|", .badCount)] {
            let bytes = T.message("FIX.4.4", "35=W|49=V|56=P|34=5|52=20261126-14:30:05.123|55=AAPL|" + group)
            try T.parse(bytes) { _, parser in
                var cursor = try #require(parser.message.group(FIXTag.noMDEntries, dictionary: Dictionaries.fix44))
                while cursor.next() != nil {}
                #expect(cursor.problem == problem, "\(group)")
                #expect(cursor.problem?.sessionRejectReason != nil)
            }
        }
    }
}
