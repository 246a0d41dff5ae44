import Testing
import PeregrineCore

@Suite("Timestamps")
struct TimestampTests {
    @Test("civil date conversion round-trips across eras and leap years")
    func civil() {
        let t = Timestamp(year: 2026, month: 11, day: 26, hour: 1, minute: 2, second: 3, nanosecond: 4)!
        #expect(t.description == "2026-11-26T01:02:03.000000004Z")
        #expect(Timestamp.zero.description == "1970-01-01T00:00:00.000000000Z")
        #expect(Timestamp(year: 2000, month: 2, day: 29)!.civil.day == 29)
        #expect(Timestamp(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59)!.nanosecondsSinceEpoch == -1_000_000_000)
        for days in stride(from: -100_000, to: 100_000, by: 97) {
            let ts = Timestamp(nanosecondsSinceEpoch: Int64(days) * 86_400_000_000_000 + 12_345)
            let c = ts.civil
            #expect(Timestamp(year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute,
                              second: c.second, nanosecond: c.nanosecond) == ts)
        }
        #expect(Timestamp(year: 2026, month: 13, day: 1) == nil)
        #expect(Timestamp(year: 3000, month: 1, day: 1) == nil, "past 2262 does not fit in Int64 nanoseconds")
    }

    @Test("durations add and subtract")
    func durations() {
        let t = Timestamp(nanosecondsSinceEpoch: 1_000)
        #expect((t + .milliseconds(2)).nanosecondsSinceEpoch == 2_001_000)
        #expect((t + .seconds(1)) - t == .seconds(1))
        #expect(Nanoseconds.microseconds(3) + .microseconds(4) == .microseconds(7))
    }
}

@Suite("Instrument registry")
struct InstrumentRegistryTests {
    @Test("loads CSV with dense ids in file order")
    func loads() throws {
        let csv = """
        # reference data
        symbol,exchange,currency,tick_size,lot_size,multiplier
        AAPL,NASDAQ,USD,0.01,1,1
        SPY, ARCA , USD, 0.01, 1
        ESZ6,CME,USD,0.25,1,50
        """
        let registry = try InstrumentRegistry(csv: csv, source: "ref.csv")
        #expect(registry.count == 3)
        #expect(registry.id(of: "AAPL") == InstrumentId(rawValue: 0))
        #expect(registry.id(of: "ESZ6") == InstrumentId(rawValue: 2))
        #expect(registry[InstrumentId(rawValue: 1)].exchange == "ARCA")
        #expect(registry[InstrumentId(rawValue: 1)].multiplier == 1)
        #expect(registry[InstrumentId(rawValue: 2)].tickSize == Price("0.25"))
        #expect(registry.id(of: "MSFT") == nil)
    }

    @Test("reports every bad line with its number")
    func reportsProblems() {
        let csv = """
        symbol,exchange,currency,tick_size,lot_size
        AAPL,NASDAQ,USD,0.01,1
        BAD,NASDAQ,USD,zero,1
        AAPL,NASDAQ,USD,0.01,1
        NEG,NASDAQ,USD,0.01,-1
        ,NASDAQ,USD,0.01,1
        """
        do {
            _ = try InstrumentRegistry(csv: csv, source: "ref.csv")
            Issue.record("expected errors")
        } catch {
            let lines = error.problems.map(\.line)
            #expect(lines == [3, 4, 5, 6])
            #expect(error.description.contains("ref.csv:4: duplicate symbol AAPL (first on line 2)"))
            #expect(error.description.contains("ref.csv:3: tick_size 'zero'"))
        }
    }

    @Test("a missing header column is one clear error")
    func missingHeader() {
        #expect(throws: InstrumentRegistryErrors.self) { try InstrumentRegistry(csv: "symbol,exchange\nA,B\n") }
        #expect(throws: InstrumentRegistryErrors.self) { try InstrumentRegistry(csv: "") }
    }
}
