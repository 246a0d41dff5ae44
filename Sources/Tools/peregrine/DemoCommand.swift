import ArgumentParser

/// `peregrine demo`: the main job. Until the order-processing, FIX and intelligence layers
/// land (issues 3–7) it says honestly what exists and what the demo will do.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the end-to-end demo (simulated venue and market on loopback)."
    )

    func run() throws {
        print("""
        Peregrine demo — not built yet.

        What exists today (issue #2, the hot-path substrate):
          - fixed-point prices and quantities, fixed-size market/order/execution events
          - lock-free SPSC, broadcast and multi-producer rings with spin/yield/park idling
          - pinned threads (affinity and SCHED_FIFO set before the thread runs), NUMA memory
          - io_uring / epoll / busy-poll sockets, tuning profiles (`peregrine tune check`)

        What the demo will do once the FIX engine, market data, order processing and
        intelligence layers land: start a simulated venue (matching engine behind a FIX
        acceptor) and a simulated market on loopback, connect the engine and its example
        strategies over real FIX sessions, trade for about a minute, and print events,
        orders, fills, risk rejects, P&L and tick-to-order latency percentiles.

        Try now:  .build/release/peregrine tune check
                  make bench-quick     (ring and socket latency, side by side with C)
        """)
    }
}
