import Testing
import PeregrineCore
import PeregrineRisk
#if canImport(Glibc)
import Glibc
#endif

@Suite("Risk configuration parser")
struct RiskConfigParserTests {
    func parse(_ text: String) throws(RiskConfigErrors) -> RiskLimits {
        try RiskConfigParser.parse(text, source: "risk.ini", instruments: Fixture.registry, accounts: ["A", "B"],
                                   venues: ["NYSE", "CME"])
    }

    @Test("a full file sets every scope; wildcards first, specifics override")
    func valid() throws {
        let limits = try parse("""
            # firm limits
            [global]
            max_orders_per_second = 1_000
            reference_max_age_ms = 2000
            duplicate_window_ms = 250
            reject_storm_count = 20
            reject_storm_reasons = position-limit, credit-limit
            kill_on_venue_disconnect = false

            [instrument.ES]          # overrides the wildcard below
            max_position = 10
            collar_bps = 50
            [instrument.*]
            max_position = 1000
            max_order_notional = 1000000.50
            [account.*]
            max_loss = 50000
            [account.B]
            restricted = AAPL, BTC
            allow_short_sell = no
            max_order_to_trade_ratio = 12.5
            [venue.CME]
            max_orders_per_second = 50
            order_burst = 5
            """)
        #expect(limits.global.ordersPerSecond == 1000 && limits.global.orderBurst == 1000)
        #expect(limits.global.referenceMaxAge == .seconds(2))
        #expect(limits.global.duplicateWindow == .milliseconds(250))
        #expect(limits.global.stormReasons == (1 << 12) | (1 << 15))
        #expect(!limits.global.killOnVenueDisconnect)
        #expect(limits.instruments[0].maxPosition == q("1000"))
        #expect(limits.instruments[1].maxPosition == q("10"))
        #expect(limits.instruments[1].collarBasisPoints == 50)
        #expect(limits.instruments[1].multiplier == 50)
        #expect(limits.instruments[2].maxOrderNotional == Notional(p("1000000.5")))
        #expect(limits.accounts[0].maxLoss == Notional(p("50000")) && limits.accounts[1].maxLoss == Notional(p("50000")))
        #expect(limits.isRestricted(account: 1, instrument: 0) && limits.isRestricted(account: 1, instrument: 2))
        #expect(!limits.isRestricted(account: 1, instrument: 1) && !limits.isRestricted(account: 0, instrument: 0))
        #expect(!limits.accounts[1].allowShortSell)
        #expect(limits.accounts[1].maxOrderToTradeRatio == q("12.5"))
        #expect(limits.venues[1].ordersPerSecond == 50 && limits.venues[1].orderBurst == 5)
        #expect(limits.problems().isEmpty)
        // The effective configuration lists what differs from the defaults.
        let effective = limits.effectiveConfiguration
        #expect(effective.contains("instrument.ES maxPosition = 10"))
        #expect(effective.contains("account.B allowShortSell = false"))
        #expect(effective.contains("account.B restricted AAPL = true"))
        #expect(effective.contains("global duplicateWindow = 250000000ns"))
        #expect(!effective.contains { $0.hasPrefix("instrument.ES multiplier") })
    }

    @Test("every problem is listed at once with file and line")
    func errors() {
        let text = """
            max_position = 5
            [global]
            max_orders_per_secnd = 10
            reject_storm_reasons = position-limit, bogus
            [instrument.MSFT]
            max_position = 10
            [instrument.AAPL]
            max_position = -3
            collar_bps = 2000000
            enabled = maybe
            max_position = 4
            [account.C]
            [account.A]
            restricted = ES, XYZ
            max_loss
            credit_limit =
            [portfolio]
            [venue.CME
            """
        do {
            _ = try parse(text)
            Issue.record("expected errors")
        } catch {
            // Structure first (in line order), then values (in line order).
            #expect(error.problems.map(\.line) == [1, 3, 5, 11, 12, 15, 16, 17, 18, 4, 8, 9, 10, 14])
            #expect(error.problems.allSatisfy { $0.source == "risk.ini" })
            func message(_ line: Int) -> String { error.problems.first { $0.line == line }?.message ?? "" }
            #expect(message(1).contains("outside any section"))
            #expect(error.problems[1].description.hasPrefix("risk.ini:3: unknown key 'max_orders_per_secnd'"))
            #expect(message(3).contains("max_orders_per_second"))
            #expect(message(4).contains("unknown reason 'bogus'"))
            #expect(message(5).contains("unknown instrument 'MSFT'"))
            #expect(message(8).contains("positive decimal"))
            #expect(message(9).contains("<= 1000000"))
            #expect(message(10).contains("not a boolean"))
            #expect(message(11).contains("repeats in this section (first on line 8)"))
            #expect(message(12).contains("unknown account 'C'"))
            #expect(message(14).contains("unknown instrument 'XYZ'"))
            #expect(message(15).contains("expected 'key = value'"))
            #expect(message(16).contains("has no value"))
            #expect(message(17).contains("unknown section [portfolio]"))
            #expect(message(18).contains("lacks ']'"))
        }
    }

    @Test("cross-field problems are reported too")
    func crossField() {
        do {
            _ = try parse("[global]\nratio_window_ms = 0\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.problems.map(\.line) == [2])
        }
    }

    @Test("loads a file through Glibc and reports a missing one")
    func load() throws {
        let path = "/tmp/peregrine-risk-test-\(getpid()).ini"
        let text = "[instrument.AAPL]\nmax_order_quantity = 500\n"
        let file = fopen(path, "wb")!
        _ = text.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count - 1, file) }
        fclose(file)
        defer { unlink(path) }
        let limits = try RiskConfigParser.load(path: path, instruments: Fixture.registry, accounts: ["A"])
        #expect(limits.instruments[0].maxOrderQuantity == q("500"))
        #expect(throws: RiskConfigErrors.self) {
            try RiskConfigParser.load(path: path + ".missing", instruments: Fixture.registry, accounts: ["A"])
        }
    }
}
