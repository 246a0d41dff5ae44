import Testing
import PeregrineCore
import PeregrineFeeds
import PeregrineMarketData
import PeregrinePlatform
import PeregrineTestKit

extension FeedSessionSuites {
    @Suite("IQFeed Level 1 session against a fake IQConnect on loopback")
    struct IQFeedLevel1SessionTests {
        static let aapl = InstrumentId(rawValue: 0)
        static let msft = InstrumentId(rawValue: 1)
        /// From the C# client's test vectors (PROTOCOL.md §1): a trade ("O" contents).
        static let tradeLine = "Q,AAPL,322.9100,13,16:53:16.164236,11,37620407,322.8700,100,323.0000,3300,312.6000,318.4000,312.1900,308.9500,O,8717,2,17"
        static let quoteLine = "Q,AAPL,322.9100,13,16:53:16.164236,11,37620407,322.8800,200,322.9900,500,312.6000,318.4000,312.1900,308.9500,ba,8717,"

        static func session(_ server: FakeIQFeedServer,
                            _ configure: (inout IQFeedSessionConfiguration) -> Void = { _ in }) throws -> IQFeedLevel1Session {
            var c = IQFeedSessionConfiguration(address: server.address)
            c.sessionDate = 20_200_306
            c.initialReconnectDelay = .milliseconds(100)
            c.maximumReconnectDelay = .seconds(1)
            configure(&c)
            return IQFeedLevel1Session(configuration: c, engine: try SocketEngine.make(mode: .blocking))
        }

        static func connect(_ session: IQFeedLevel1Session, _ recorder: Recorder) {
            var handler = recorder
            session.start(now: Clock.now(), handler: &handler)
            #expect(drive(session, recorder) { session.state == .ready })
        }

        @Test("on connect: S,SET PROTOCOL,6.2 first, then the layout request and the watches; Q lines become events")
        func watchOnConnect() throws {
            let server = try FakeIQFeedServer(speaker: IQFeedSpeaker())
            let session = try Self.session(server) { $0.clientName = "peregrine-test" }
            let recorder = Recorder()
            #expect(session.watch("AAPL", instrument: Self.aapl))
            #expect(session.watch("MSFT", instrument: Self.msft, tradesOnly: true))
            Self.connect(session, recorder)
            #expect(drive(session, recorder) { server.lines.count >= 5 && session.layout == .standard })
            #expect(server.lines(connection: 1) == ["S,SET PROTOCOL,6.2", "S,SET CLIENT NAME,peregrine-test",
                                                    "S,REQUEST CURRENT UPDATE FIELDNAMES", "wAAPL", "tMSFT"])
            #expect(recorder.reasons.starts(with: [.started, .connectStarted, .connected, .handshakeComplete]))
            #expect(!session.dataStale)

            server.send(line: Self.tradeLine)
            server.send(line: Self.quoteLine, chunk: 7)
            #expect(drive(session, recorder) { recorder.events.count == 2 })
            let trade = recorder.events[0], quote = recorder.events[1]
            #expect(trade.kind == .trade && trade.instrument == Self.aapl && trade.price == price("322.91") && trade.quantity == units(13))
            // 16:53:16.164236 New York on 2020-03-06 (EST, UTC−5) = 21:53:16.164236 UTC.
            #expect(trade.exchangeTime == Timestamp(year: 2020, month: 3, day: 6, hour: 21, minute: 53, second: 16, nanosecond: 164_236_000))
            #expect(quote.kind == .quote && quote.bidPrice == price("322.88") && quote.bidQuantity == units(200)
                    && quote.askPrice == price("322.99") && quote.askQuantity == units(500))
            #expect(session.counters.marketEvents == 2)
        }

        @Test("S,SERVER DISCONNECTED makes the feed stale (connectivityLost); S,SERVER CONNECTED makes it ready")
        func serverDisconnected() throws {
            let server = try FakeIQFeedServer(speaker: IQFeedSpeaker())
            let session = try Self.session(server)
            let recorder = Recorder()
            session.watch("AAPL", instrument: Self.aapl)
            Self.connect(session, recorder)

            server.send(line: "S,SERVER DISCONNECTED")
            #expect(drive(session, recorder) { session.state == .connectivityLost })
            #expect(session.dataStale && !session.serverLinkUp)
            server.send(line: "S,SERVER RECONNECT FAILED")
            server.send(line: "S,SERVER CONNECTED")
            #expect(drive(session, recorder) { session.state == .ready })
            #expect(!session.dataStale)
            #expect(recorder.reasons.suffix(3) == [.connectivityLost, .connectivityLost, .serverConnected])
            // IQConnect keeps its watches across its own DTN reconnects: nothing re-sent.
            #expect(server.lines(connection: 1).filter { $0 == "wAAPL" }.count == 1)
        }

        @Test("the server drops the connection: reconnect with back-off, protocol again, re-watch (not the unwatched)")
        func reconnectAndRewatch() throws {
            let server = try FakeIQFeedServer(speaker: IQFeedSpeaker())
            let session = try Self.session(server)
            let recorder = Recorder()
            session.watch("AAPL", instrument: Self.aapl)
            session.watch("MSFT", instrument: Self.msft)
            Self.connect(session, recorder)
            #expect(session.unwatch("MSFT"))
            #expect(drive(session, recorder) { server.lines(connection: 1).contains("rMSFT") })

            server.post(.drop)
            #expect(drive(session, recorder) { server.lines(connection: 2).contains("wAAPL") && session.state == .ready })
            let (drops, connects) = server.read { ($0.dropTimes, $0.connectTimes) }
            #expect(connects[1] - drops[0] >= 95_000_000)
            #expect(server.lines(connection: 2) == ["S,SET PROTOCOL,6.2", "S,REQUEST CURRENT UPDATE FIELDNAMES", "wAAPL"])
            #expect(recorder.reasons.contains(.peerClosed))
            #expect(session.counters.reconnects == 1 && session.counters.resubscriptions == 1)

            server.send(line: Self.tradeLine)
            #expect(drive(session, recorder) { recorder.events.count == 1 })
        }

        @Test("a different protocol in S,CURRENT PROTOCOL drops the connection (version-rejected)")
        func protocolMismatch() throws {
            var speaker = IQFeedSpeaker()
            speaker.confirmProtocol = "6.1"
            let server = try FakeIQFeedServer(speaker: speaker)
            let session = try Self.session(server)
            let recorder = Recorder()
            session.watch("AAPL", instrument: Self.aapl)
            var handler = recorder
            session.start(now: Clock.now(), handler: &handler)
            #expect(drive(session, recorder) { recorder.reasons.contains(.versionRejected) })
            #expect(session.state == .disconnected)
            #expect(!server.lines(connection: 1).contains("wAAPL"))
        }

        @Test("a selected layout is applied from IQConnect's answer and updates decode by it")
        func selectedLayout() throws {
            let server = try FakeIQFeedServer(speaker: IQFeedSpeaker())
            let session = try Self.session(server) {
                $0.updateFields = [.bid, .bidSize, .ask, .askSize, .messageContents, .lastPrice, .lastSize]
            }
            let recorder = Recorder()
            session.watch("AAPL", instrument: Self.aapl)
            Self.connect(session, recorder)
            #expect(drive(session, recorder) { recorder.iqResults.contains(.layoutChanged) })
            #expect(server.lines(connection: 1)[1] == "S,SELECT UPDATE FIELDS,Bid,Bid Size,Ask,Ask Size,Message Contents,Most Recent Trade,Most Recent Trade Size")
            server.send(line: "Q,AAPL,10.01,100,10.03,300,b,10.02,5,")
            #expect(drive(session, recorder) { recorder.events.count == 1 })
            let q = recorder.events[0]
            #expect(q.kind == .quote && q.bidPrice == price("10.01") && q.askPrice == price("10.03") && q.askQuantity == units(300))
        }

        @Test("unknown symbols, unknown line types and an oversized line are counted and skipped")
        func oddLines() throws {
            let server = try FakeIQFeedServer(speaker: IQFeedSpeaker())
            let session = try Self.session(server) { $0.maximumLineBytes = 256 }
            let recorder = Recorder()
            session.watch("NOSUCH", instrument: Self.msft)
            session.watch("AAPL", instrument: Self.aapl)
            Self.connect(session, recorder)
            #expect(drive(session, recorder) { session.symbolsNotFound == 1 })
            server.send(line: "Z,what is this")
            server.send(line: "Q,AAPL," + String(repeating: "9", count: 1_000))
            server.send(line: Self.tradeLine)
            #expect(drive(session, recorder) { recorder.events.count == 1 })
            #expect(session.counters.unknownMessages == 1)
            #expect(session.counters.malformedMessages == 1)
            #expect(session.counters.discardedBytes > 1_000)
            #expect(session.state == .ready)
        }
    }
}
