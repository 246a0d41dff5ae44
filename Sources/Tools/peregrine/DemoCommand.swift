import ArgumentParser

/// `peregrine demo`: the main job. Until the engine is assembled (issues 5–7) it says
/// honestly what exists and what the demo will do.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the end-to-end demo (simulated venue and market on loopback)."
    )

    func run() throws {
        print("""
        Peregrine demo — not built yet.

        The demo needs the pieces that join the parts below into one engine: the venue
        behind a FIX acceptor with its market-data feed, the strategy layer, and the
        engine assembly with its latency report (issues #5–#7). Built and tested today:
          - hot-path substrate: fixed-point values, fixed-size events, SPSC/broadcast/MPSC
            rings, pinned threads, io_uring/epoll/busy-poll sockets, tuning profiles
          - journal (memory-mapped, CRC'd, size-rolled) and `peregrine journal cat`
          - FIX codec and session layer (59/59 session conformance scripts),
            `peregrine fix-acceptor --conformance --port N`
          - market-data codecs (TWS, IQFeed, LEAN recorded files), filters and books
          - pre-trade risk with kill switch, OMS and positions, model inference

        What the demo will do: start a simulated venue (matching engine behind a FIX
        acceptor) and a simulated market on loopback, connect the engine and its example
        strategies over real FIX sessions, trade for about a minute, and print events,
        orders, fills, risk rejects, P&L and tick-to-order latency percentiles.

        Try now:  .build/release/peregrine tune check
                  make bench-quick     (latency and throughput, side by side with C)
        """)
    }
}
