import Testing
import PeregrineCore
import PeregrineFeeds
import PeregrineMarketData
import PeregrinePlatform
import PeregrineTestKit

extension FeedSessionSuites {
    @Suite("TWS client session against a fake TWS on loopback")
    struct TWSClientSessionTests {
        static let aapl = InstrumentId(rawValue: 3)
        static let msft = InstrumentId(rawValue: 4)

        /// A session for `server` with test-friendly timings (clientId 7, as in the capture).
        static func session(_ server: FakeTWSServer,
                            _ configure: (inout TWSSessionConfiguration) -> Void = { _ in }) throws -> TWSClientSession {
            var c = TWSSessionConfiguration(address: server.address)
            c.clientId = 7
            c.initialReconnectDelay = .milliseconds(100)
            c.maximumReconnectDelay = .seconds(1)
            c.resetWindow = .none
            c.handshakeTimeout = .seconds(3)
            configure(&c)
            return TWSClientSession(configuration: c, engine: try SocketEngine.make(mode: .blocking))
        }

        /// Starts `session` and drives it to `ready`.
        static func connect(_ session: TWSClientSession, _ recorder: Recorder) {
            var handler = recorder
            session.start(now: Clock.now(), handler: &handler)
            #expect(drive(session, recorder) { session.state == .ready })
        }

        @Test("handshake: greeting v100..157, server version, startApi, then managedAccounts + nextValidId make it ready")
        func handshake() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let session = try Self.session(server)
            let recorder = Recorder()
            Self.connect(session, recorder)
            #expect(drive(session, recorder) { session.farms.count == 1 })  // the 2104 notice after the handshake

            // Bytes on the wire against the official client's capture.
            let capture = try TWSCapture.load()
            let captured = try #require(capture.first { $0.direction == "in-handshake" })
            #expect(server.greetings == captured.fields)
            #expect(server.greetingBytes.first == [0x41, 0x50, 0x49, 0x00, 0x00, 0x00, 0x00, 0x09] + Array("v100..157".utf8))
            let startApi = try #require(capture.first { $0.direction == "in" })
            #expect(server.frames.first?.fields == startApi.fields)

            #expect(session.serverVersion == 157)
            #expect(session.nextValidOrderId == 1)
            #expect(session.managedAccounts == "DU123456")
            #expect(!session.dataStale)
            #expect(recorder.states.starts(with: [.disconnected, .connecting, .handshaking, .ready]))
            #expect(recorder.reasons.starts(with: [.started, .connectStarted, .connected, .handshakeComplete, .farmRestored]))
            #expect(recorder.health[3].code == 157)
            #expect(session.farmName(0) == "usfarm")
            #expect(session.counters.unknownMessages == 0 && session.counters.malformedMessages == 0)
        }

        @Test("reqMktData matches the capture; tickPrice/tickSize become quotes and trades for the subscribed instrument")
        func ticks() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let session = try Self.session(server)
            let recorder = Recorder()
            let ticker = try #require(session.subscribeMarketData(TWSContract(symbol: "AAPL"), instrument: Self.aapl))
            #expect(ticker == 1001)
            Self.connect(session, recorder)
            #expect(drive(session, recorder) { !server.frames(id: "1").isEmpty })

            let capture = try TWSCapture.load()
            let request = try #require(capture.first { $0.direction == "in" && $0.fields.first == "1" })
            #expect(server.frames(id: "1").first?.fields == request.fields)

            // The server's answers in the capture: BID, ASK, LAST tickPrices and a VOLUME tickSize.
            let index = try #require(capture.firstIndex { $0.direction == "in" && $0.fields.first == "1" })
            for frame in capture[(index + 1)...].prefix(while: { $0.direction == "out" }) { server.send(frame.fields) }
            server.send(["2", "6", "1001", "0", "300"])    // BID_SIZE unchanged: no event
            server.send(["2", "6", "1001", "5", "100"])    // LAST_SIZE echo of the LAST: no event
            server.send(["2", "6", "1001", "5", "250"])    // a print at the same price: a trade
            server.send(["1", "6", "4242", "1", "1.0", "1", "0"])  // unknown ticker
            #expect(drive(session, recorder) { recorder.events.count >= 4 && session.counters.unmatchedMessages == 1 })

            let e = recorder.events
            try #require(e.count == 4)
            #expect(e.allSatisfy { $0.instrument == Self.aapl && $0.venue == VenueId(rawValue: 0) })
            #expect(e[0].kind == .quote && e[0].bidPrice == price("189.5") && e[0].bidQuantity == units(300) && e[0].askPrice == .zero)
            #expect(e[1].kind == .quote && e[1].bidPrice == price("189.5") && e[1].askPrice == price("189.52")
                    && e[1].askQuantity == units(200))
            #expect(e[2].kind == .trade && e[2].price == price("189.51") && e[2].quantity == units(100))
            #expect(e[3].kind == .trade && e[3].price == price("189.51") && e[3].quantity == units(250))
            #expect(session.counters.marketEvents == 4)
        }

        @Test("1100 makes data stale (connectivityLost); 1102 restores ready without resubscribing")
        func connectivityLostAndKept() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let session = try Self.session(server)
            let recorder = Recorder()
            session.subscribeMarketData(TWSContract(symbol: "AAPL"), instrument: Self.aapl)
            Self.connect(session, recorder)
            #expect(drive(session, recorder) { server.frames(id: "1").count == 1 })

            server.sendError(id: -1, code: 1100, "Connectivity between IB and Trader Workstation has been lost.")
            #expect(drive(session, recorder) { session.state == .connectivityLost })
            #expect(session.dataStale)
            #expect(recorder.health.last?.reason == .connectivityLost && recorder.health.last?.code == 1100)

            server.sendError(id: -1, code: 1102, "Connectivity between IB and Trader Workstation has been restored - data maintained.")
            #expect(drive(session, recorder) { session.state == .ready })
            #expect(!session.dataStale)
            #expect(recorder.health.last?.reason == .restoredDataKept && recorder.health.last?.previous == .connectivityLost)
            drive(session, recorder, forSeconds: 0.1)
            #expect(server.frames(id: "1").count == 1)
            #expect(session.counters.resubscriptions == 0)
        }

        @Test("1101 re-sends every subscription (same ticker ids) and passes through resubscribing to ready")
        func restoredDataLost() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let session = try Self.session(server)
            let recorder = Recorder()
            session.subscribeMarketData(TWSContract(symbol: "AAPL"), instrument: Self.aapl)
            session.subscribeMarketData(TWSContract(symbol: "MSFT"), instrument: Self.msft)
            let depth = session.subscribeMarketDepth(TWSContract(symbol: "MSFT"), instrument: Self.msft, rows: 5)
            Self.connect(session, recorder)
            #expect(drive(session, recorder) { server.frames(id: "1").count == 2 && server.frames(id: "10").count == 1 })

            server.sendError(id: -1, code: 1100, "Connectivity between IB and Trader Workstation has been lost.")
            server.sendError(id: -1, code: 1101, "Connectivity between IB and Trader Workstation has been restored - data lost.")
            #expect(drive(session, recorder) { server.frames(id: "1").count == 4 && server.frames(id: "10").count == 2 && session.state == .ready })
            let tickers = server.frames(id: "1").map { $0.fields[2] }
            #expect(tickers == ["1001", "1002", "1001", "1002"])
            #expect(server.frames(id: "10").map { $0.fields[2] } == [String(depth!), String(depth!)])
            #expect(recorder.reasons.suffix(3) == [.connectivityLost, .restoredDataLost, .resubscribed])
            #expect(recorder.states.suffix(3) == [.connectivityLost, .resubscribing, .ready])
            #expect(session.counters.resubscriptions == 1)

            // Depth updates reach the handler as depth events of the depth subscription's instrument.
            server.send(["12", "1", String(depth!), "0", "0", "1", "310.25", "400"])
            #expect(drive(session, recorder) { !recorder.events.isEmpty })
            #expect(recorder.events.first?.kind == .depth && recorder.events.first?.instrument == Self.msft)
            #expect(recorder.events.first?.depthSide == .buy && recorder.events.first?.price == price("310.25"))
        }

        @Test("the server drops the connection: the client reconnects after the back-off, handshakes and resubscribes")
        func reconnect() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let session = try Self.session(server)
            let recorder = Recorder()
            session.subscribeMarketData(TWSContract(symbol: "AAPL"), instrument: Self.aapl)
            Self.connect(session, recorder)
            #expect(drive(session, recorder) { server.frames(id: "1").count == 1 })

            server.post(.drop)
            #expect(drive(session, recorder) { server.frames(id: "1", connection: 2).count == 1 && session.state == .ready })
            let (drops, connects) = server.read { ($0.dropTimes, $0.connectTimes) }
            try #require(drops.count == 1 && connects.count == 2)
            #expect(connects[1] - drops[0] >= 95_000_000, "reconnected \((connects[1] - drops[0]) / 1_000_000) ms after the drop")
            #expect(server.greetings.count == 2)
            #expect(server.frames(id: "71", connection: 2).count == 1)
            #expect(server.frames(id: "1", connection: 2).first?.fields[2] == "1001")
            #expect(recorder.reasons.contains(.peerClosed))
            #expect(session.counters.reconnects == 1 && session.counters.resubscriptions == 1)
            #expect(!session.dataStale)
        }

        @Test("pacing: 200 queued requests reach the server at no more than 50 per second")
        func pacing() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let session = try Self.session(server)
            let recorder = Recorder()
            Self.connect(session, recorder)
            for i in 0..<200 {
                #expect(session.subscribeMarketData(TWSContract(symbol: "S\(i)"), instrument: InstrumentId(rawValue: UInt32(i))) != nil)
            }
            #expect(drive(session, recorder, seconds: 8) { server.frames(id: "1").count == 200 })
            let times = server.frames.map(\.nanos)  // startApi + 200 reqMktData
            try #require(times.count == 201)
            // Any 51 consecutive frames span at least a second (40 ms allowed for loopback and
            // scheduling jitter at the receiving end): never more than 50 in a second.
            var tightest = UInt64.max
            for i in 0..<(times.count - 50) { tightest = min(tightest, times[i + 50] - times[i]) }
            #expect(tightest >= 960_000_000, "51 frames within \(tightest / 1_000_000) ms")
            #expect(session.counters.pacingDelays > 100)
            #expect(session.counters.requestsRejected == 0)
        }

        @Test("unknown, malformed and unterminated frames are skipped by length; the next frame still decodes")
        func malformedFrames() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let session = try Self.session(server)
            let recorder = Recorder()
            session.subscribeMarketData(TWSContract(symbol: "AAPL"), instrument: Self.aapl)
            Self.connect(session, recorder)
            #expect(drive(session, recorder) { server.frames(id: "1").count == 1 })

            var bytes = TWSSpeaker.frame(["999", "1", "whatever"])                    // unknown id
            bytes += TWSSpeaker.frame(["1", "6", "1001", "1", "18x.5", "300", "1"])   // bad price
            let unterminated = Array("1\u{0}6\u{0}1001".utf8)                        // no final NUL
            bytes += TWSSpeaker.lengthPrefix(unterminated.count) + unterminated
            bytes += TWSSpeaker.frame(["1", "6", "1001", "1", "189.5", "300", "1"])   // good
            server.sendRaw(bytes)
            #expect(drive(session, recorder) { recorder.events.count == 1 })
            #expect(recorder.events.first?.bidPrice == price("189.5"))
            #expect(session.counters.unknownMessages == 1)
            #expect(session.counters.malformedMessages == 2)

            // A frame delivered one byte per send still decodes.
            server.send(["1", "6", "1001", "2", "189.52", "200", "1"], chunk: 1)
            #expect(drive(session, recorder) { recorder.events.count == 2 })
            #expect(recorder.events.last?.askPrice == price("189.52"))
            #expect(session.state == .ready)
        }

        @Test("farm notices: a broken market-data farm makes data stale until it is OK; HMDS farms do not")
        func farms() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let session = try Self.session(server)
            let recorder = Recorder()
            Self.connect(session, recorder)
            #expect(drive(session, recorder) { session.farms.count == 1 })

            server.sendError(id: -1, code: 2103, "Market data farm connection is broken:usfarm")
            #expect(drive(session, recorder) { session.dataStale })
            #expect(recorder.health.last?.reason == .farmBroken && recorder.health.last?.code == 2103)
            #expect(session.state == .ready && session.farmName(Int(recorder.health.last!.farm)) == "usfarm")

            server.sendError(id: -1, code: 2105, "HMDS data farm connection is broken:ushmds")
            #expect(drive(session, recorder) { session.farms.count == 2 })
            server.sendError(id: -1, code: 2104, "Market data farm connection is OK:usfarm")
            #expect(drive(session, recorder) { !session.dataStale })
            server.sendError(id: -1, code: 2108, "Market data farm connection is inactive but should be available upon demand.:cashfarm")
            #expect(drive(session, recorder) { session.farms.count == 3 })
            #expect(!session.dataStale)
        }

        @Test("error 100 pauses sending for the pacing back-off and re-sends the request it names")
        func pacingViolation() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let session = try Self.session(server) { $0.pacingViolationPause = .milliseconds(300) }
            let recorder = Recorder()
            session.subscribeMarketData(TWSContract(symbol: "AAPL"), instrument: Self.aapl)
            Self.connect(session, recorder)
            #expect(drive(session, recorder) { server.frames(id: "1").count == 1 })

            let posted = Clock.monotonicNanos()
            server.sendError(id: 1001, code: 100, "Max rate of messages per second has been exceeded:max=50 rec=55 (1)")
            #expect(drive(session, recorder) { server.frames(id: "1").count == 2 })
            let resent = server.frames(id: "1")[1]
            #expect(resent.fields[2] == "1001")
            #expect(resent.nanos - posted >= 290_000_000, "re-sent \((resent.nanos - posted) / 1_000_000) ms after the violation")
            #expect(recorder.reasons.contains(.pacingViolation) && recorder.reasons.contains(.pacingResumed))
            #expect(session.counters.pacingViolations == 1)
            #expect(session.state == .ready)
        }

        @Test("connection refused: no crash, no hang; retries back off 50, 100, 200 ms")
        func connectionRefused() throws {
            var c = TWSSessionConfiguration(address: .loopback(port: try closedLoopbackPort()))
            c.initialReconnectDelay = .milliseconds(50)
            c.maximumReconnectDelay = .milliseconds(400)
            c.resetWindow = .none
            let session = TWSClientSession(configuration: c, engine: try SocketEngine.make(mode: .blocking))
            let recorder = Recorder()
            var handler = recorder
            session.start(now: Clock.now(), handler: &handler)
            #expect(drive(session, recorder, seconds: 3) { session.counters.connectFailures >= 4 })
            let failures = recorder.health.filter { $0.reason == .connectFailed }
            try #require(failures.count >= 4)
            #expect(failures.allSatisfy { $0.code == 111 && $0.state == .disconnected })
            let gaps = zip(failures.dropFirst(), failures).map { ($0.time - $1.time).count / 1_000_000 }
            #expect(gaps[0] >= 49 && gaps[1] >= 99 && gaps[2] >= 199, "gaps \(gaps) ms")
            #expect(session.state != .ready)
        }

        @Test("a server version below 145 is refused (version-rejected) and retried later")
        func oldServerVersion() throws {
            var speaker = TWSSpeaker()
            speaker.serverVersion = 100
            let server = try FakeTWSServer(speaker: speaker)
            let session = try Self.session(server)
            let recorder = Recorder()
            var handler = recorder
            session.start(now: Clock.now(), handler: &handler)
            #expect(drive(session, recorder) { recorder.reasons.contains(.versionRejected) })
            #expect(recorder.health.first { $0.reason == .versionRejected }?.code == 100)
            #expect(session.state == .disconnected)
            #expect(server.frames.isEmpty)  // no startApi to an unsupported server
        }

        @Test("unsubscribe sends cancelMktData and frees the ticker; stop closes and stays closed")
        func unsubscribeAndStop() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let session = try Self.session(server)
            let recorder = Recorder()
            let ticker = try #require(session.subscribeMarketData(TWSContract(symbol: "AAPL"), instrument: Self.aapl))
            Self.connect(session, recorder)
            #expect(session.unsubscribe(tickerId: ticker))
            #expect(!session.unsubscribe(tickerId: ticker))
            #expect(drive(session, recorder) { server.frames(id: "2").count == 1 })
            #expect(server.frames(id: "2").first?.fields == ["2", "2", "1001"])
            #expect(session.subscriptionCount == 0)
            let again = session.subscribeMarketData(TWSContract(symbol: "AAPL"), instrument: Self.aapl)
            #expect(again != ticker)  // a new generation of the slot
            #expect(session.enqueueRequest { TWSRequests.requestIds(into: $0) })

            var handler = recorder
            session.stop(now: Clock.now(), handler: &handler)
            #expect(session.state == .disconnected && recorder.health.last?.reason == .stopped)
            #expect(drive(session, recorder) { server.read { $0.dropTimes.count } == 1 })
            drive(session, recorder, forSeconds: 0.2)
            #expect(server.connections == 1)
            #expect(!session.enqueueRequest { TWSRequests.requestIds(into: $0) })
        }

        @Test("a frame longer than the receive buffer is discarded as it arrives; the stream stays in sync")
        func oversizedFrame() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let session = try Self.session(server) { $0.receiveBufferBytes = 4_096 }
            let recorder = Recorder()
            session.subscribeMarketData(TWSContract(symbol: "AAPL"), instrument: Self.aapl)
            Self.connect(session, recorder)
            #expect(drive(session, recorder) { server.frames(id: "1").count == 1 })
            server.send(["10", "1", String(repeating: "x", count: 20_000)], chunk: 3_000)
            server.send(["1", "6", "1001", "1", "189.5", "300", "1"])
            #expect(drive(session, recorder) { recorder.events.count == 1 })
            #expect(session.counters.discardedBytes >= 20_000)
            #expect(session.counters.malformedMessages == 1)
            #expect(session.state == .ready)
        }

        @Test("a peer that never answers the greeting: handshake timeout, then retry")
        func handshakeTimeout() throws {
            var speaker = TWSSpeaker()
            speaker.silent = true
            let server = try FakeTWSServer(speaker: speaker)
            let session = try Self.session(server) { $0.handshakeTimeout = .milliseconds(200) }
            let recorder = Recorder()
            var handler = recorder
            session.start(now: Clock.now(), handler: &handler)
            #expect(drive(session, recorder) { server.connections == 2 })
            #expect(recorder.reasons.contains(.handshakeTimedOut))
            #expect(session.counters.connectAttempts >= 2)
        }

        @Test("a peer that answers the greeting with something else (HTTP) is a protocol error, not a 1 GB frame")
        func foreignPeer() throws {
            var speaker = TWSSpeaker()
            speaker.foreignReply = Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)
            let server = try FakeTWSServer(speaker: speaker)
            let session = try Self.session(server)
            let recorder = Recorder()
            var handler = recorder
            session.start(now: Clock.now(), handler: &handler)
            #expect(drive(session, recorder) { recorder.reasons.contains(.protocolError) })
            #expect(recorder.health.first { $0.reason == .protocolError }?.code == 0x4854_5450)  // "HTTP" read as a length
            #expect(session.state == .disconnected && session.counters.discardedBytes == 0)
        }

        @Test("error 326 (client id in use) drops the connection and retries")
        func clientIdInUse() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let session = try Self.session(server)
            let recorder = Recorder()
            Self.connect(session, recorder)
            server.sendError(id: -1, code: 326, "Unable to connect as the client id is already in use. Retry with a unique client id.")
            #expect(drive(session, recorder) { recorder.reasons.contains(.clientIdInUse) })
            #expect(recorder.health.first { $0.reason == .clientIdInUse }?.state == .disconnected)
            #expect(drive(session, recorder) { server.connections == 2 && session.state == .ready })
        }

        @Test("inside the nightly-reset window the session says so")
        func resetWindow() throws {
            let server = try FakeTWSServer(speaker: TWSSpeaker())
            let now = Clock.now()
            let minute = (0...1439).first { FeedResetWindow(startMinute: $0, durationMinutes: 1).contains(now) } ?? 0
            let session = try Self.session(server) {
                $0.resetWindow = FeedResetWindow(startMinute: (minute + 1439) % 1440, durationMinutes: 3)
            }
            let recorder = Recorder()
            Self.connect(session, recorder)
            #expect(session.inResetWindow)
            #expect(recorder.reasons.contains(.resetWindowEntered))
        }
    }
}
