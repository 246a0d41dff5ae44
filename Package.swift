// swift-tools-version: 6.1
//
// Peregrine — a low-latency trading engine. Targets are grouped by tier so the
// tree shows the architecture (see ../shared/design/ARCHITECTURE.md):
//   CSupport/            the only C: liburing, libnuma, affinity, scheduler, pause/rdtsc
//   Sources/HotPath/     primitives, platform, rings, runtime (agents, tuning)
//   Sources/Protocols/   FIX, TWS, IQFeed codecs and sessions (later issues)
//   Sources/ColdTier/    libpq loader, ODS, training, reports (later issues)
//   Sources/Tools/       the `peregrine` executable
//   Sources/Testing/     the test kit
// Benchmarks/ is its own package so benchmark-only dependencies never enter the product.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Peregrine",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "peregrine", targets: ["PeregrineCLI"]),
        .library(name: "PeregrineCore", targets: ["PeregrineCore"]),
        .library(name: "PeregrinePlatform", targets: ["PeregrinePlatform"]),
        .library(name: "PeregrineRings", targets: ["PeregrineRings"]),
        .library(name: "PeregrineRuntime", targets: ["PeregrineRuntime"]),
        .library(name: "PeregrineFIX", targets: ["PeregrineFIX"]),
        .library(name: "PeregrineFIXTransport", targets: ["PeregrineFIXTransport"]),
        .library(name: "PeregrineMarketData", targets: ["PeregrineMarketData"]),
        .library(name: "PeregrineRisk", targets: ["PeregrineRisk"]),
        .library(name: "PeregrineJournal", targets: ["PeregrineJournal"]),
        .library(name: "PeregrineModels", targets: ["PeregrineModels"]),
        .library(name: "PeregrineCEP", targets: ["PeregrineCEP"]),
        .library(name: "PeregrineStrategy", targets: ["PeregrineStrategy"]),
        .library(name: "PeregrineOMS", targets: ["PeregrineOMS"]),
        .library(name: "PeregrineSimVenue", targets: ["PeregrineSimVenue"]),
        .library(name: "PeregrineSimExchange", targets: ["PeregrineSimExchange"]),
        .library(name: "PeregrineEngine", targets: ["PeregrineEngine"]),
        .library(name: "PeregrineFeeds", targets: ["PeregrineFeeds"]),
        .library(name: "PeregrineReports", targets: ["PeregrineReports"]),
        .library(name: "PeregrineWarehouse", targets: ["PeregrineWarehouse"]),
        .library(name: "PeregrineColdServices", targets: ["PeregrineColdServices"]),
        .library(name: "PeregrineTestKit", targets: ["PeregrineTestKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // Cold-tier services: ServiceGroup, graceful shutdown on SIGTERM/SIGINT, swift-log.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        // MARK: - C shim (the only C in the product; imported by PeregrinePlatform alone)
        .target(
            name: "CSupport",
            path: "CSupport",
            linkerSettings: [
                .linkedLibrary("uring", .when(platforms: [.linux])),
                .linkedLibrary("numa", .when(platforms: [.linux])),
                .linkedLibrary("pthread", .when(platforms: [.linux])),
            ]
        ),

        // MARK: - Hot path
        // Fixed-point values, ids, timestamps, enums, fixed-size events. Depends on nothing.
        .target(
            name: "PeregrineCore",
            path: "Sources/HotPath/Primitives",
            exclude: ["FixedPoint.md"],
            swiftSettings: swiftSettings
        ),
        // Threads, affinity, NUMA, scheduler, TSC clock, io_uring / epoll / busy-poll sockets.
        .target(
            name: "PeregrinePlatform",
            dependencies: ["CSupport", "PeregrineCore"],
            path: "Sources/HotPath/Platform",
            exclude: ["Sockets/README.md"],
            swiftSettings: swiftSettings
        ),
        // SPSC, broadcast (Disruptor-style) and MPSC rings; wait strategies.
        .target(
            name: "PeregrineRings",
            dependencies: ["PeregrinePlatform", "PeregrineCore"],
            path: "Sources/HotPath/Rings",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Agents, pinned-thread runner, tuning profiles.
        .target(
            name: "PeregrineRuntime",
            dependencies: ["PeregrinePlatform", "PeregrineRings", "PeregrineCore"],
            path: "Sources/HotPath/Runtime",
            swiftSettings: swiftSettings
        ),

        // Complex-event processing operators (windows, aggregates, joins, patterns).
        .target(
            name: "PeregrineCEP",
            dependencies: ["PeregrineCore"],
            path: "Sources/HotPath/CEP",
            swiftSettings: swiftSettings
        ),
        // Strategy framework: alpha -> portfolio construction -> risk model -> execution.
        .target(
            name: "PeregrineStrategy",
            dependencies: ["PeregrineCore", "PeregrineCEP", "PeregrineModels"],
            path: "Sources/HotPath/Strategy",
            swiftSettings: swiftSettings
        ),
        // Order management: order state machine (FIX OrdStatus), positions and P&L.
        .target(
            name: "PeregrineOMS",
            dependencies: ["PeregrineCore"],
            path: "Sources/HotPath/OMS",
            swiftSettings: swiftSettings
        ),

        // MARK: - Simulation (the venue and market the demo and tests trade against)
        .target(
            name: "PeregrineSimVenue",
            dependencies: ["PeregrineCore"],
            path: "Sources/Simulation/Venue",
            swiftSettings: swiftSettings
        ),

        // The simulated exchange on loopback: the markets above behind a real FIX acceptor,
        // with an IQFeed-compatible Level 1 feed (the demo's and end-to-end tests' venue).
        .target(
            name: "PeregrineSimExchange",
            dependencies: ["PeregrineSimVenue", "PeregrineFIX", "PeregrineFIXTransport", "PeregrineMarketData",
                           "PeregrinePlatform", "PeregrineCore"],
            path: "Sources/Simulation/Exchange",
            swiftSettings: swiftSettings
        ),

        // MARK: - Protocols (codecs do no I/O; sessions own sequence numbers and timers)
        // FIX codec, dictionaries, session layer. Depends on primitives only (plus the
        // platform layer for its transports).
        .target(
            name: "PeregrineFIX",
            dependencies: ["PeregrineCore"],
            path: "Sources/Protocols/FIX",
            exclude: ["README.md", "SETTINGS.md"],
            swiftSettings: swiftSettings
        ),
        // OpenSSL (Debian libssl-dev), imported by PeregrineFIXTransport alone (FIX over TLS).
        .systemLibrary(
            name: "CLibSSL",
            path: "Sources/Protocols/CLibSSL"
        ),
        // FIX over sockets: acceptor and initiator transports, TLS, settings files, message
        // store files.
        .target(
            name: "PeregrineFIXTransport",
            dependencies: ["CLibSSL", "PeregrineFIX", "PeregrineCore", "PeregrinePlatform"],
            path: "Sources/Protocols/FIXTransport",
            swiftSettings: swiftSettings
        ),
        // Live market-data sessions (TWS API, IQFeed): health, pacing, reconnect.
        .target(
            name: "PeregrineFeeds",
            dependencies: ["PeregrineMarketData", "PeregrinePlatform", "PeregrineCore"],
            path: "Sources/Protocols/Feeds",
            swiftSettings: swiftSettings
        ),
        // MARK: - Cold tier (never shares a core with the hot path)
        // libpq (Debian libpq-dev), imported by PeregrineWarehouse alone.
        .systemLibrary(
            name: "CLibPQ",
            path: "Sources/ColdTier/CLibPQ"
        ),
        // Journal -> PostgreSQL loader (COPY), schema and migrations, ODS rules.
        .target(
            name: "PeregrineWarehouse",
            dependencies: ["CLibPQ", "PeregrineCore", "PeregrineJournal", "PeregrineCEP"],
            path: "Sources/ColdTier/Warehouse",
            exclude: ["SCHEMA.md"],
            swiftSettings: swiftSettings
        ),

        // Model training from warehouse features: ridge / logistic, walk-forward validation.
        .target(
            name: "PeregrineTraining",
            dependencies: ["PeregrineModels", "PeregrineWarehouse"],
            path: "Sources/ColdTier/Training",
            swiftSettings: swiftSettings
        ),

        // Long-lived cold-tier services (loader follow loop, warehouse-sourced continuous
        // queries) under swift-service-lifecycle: graceful shutdown, back-off, progress metrics.
        .target(
            name: "PeregrineColdServices",
            dependencies: ["PeregrineWarehouse", "PeregrineCEP", "PeregrineCore",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Sources/ColdTier/Services",
            swiftSettings: swiftSettings
        ),

        // Reports from the journal: P&L, fills and slippage, risk rejects, latency; text and HTML.
        .target(
            name: "PeregrineReports",
            dependencies: ["PeregrineCore", "PeregrineJournal", "PeregrineRuntime", "PeregrineOMS"],
            path: "Sources/ColdTier/Reports",
            swiftSettings: swiftSettings
        ),

        // Market-data pre-processing: TWS / IQFeed / LEAN decoders into `MarketEvent`,
        // filters, books.
        .target(
            name: "PeregrineMarketData",
            dependencies: ["PeregrineCore"],
            path: "Sources/HotPath/MarketData",
            swiftSettings: swiftSettings
        ),

        // Append-only memory-mapped journal (format: Journal/FORMAT.md) and its agent.
        .target(
            name: "PeregrineJournal",
            dependencies: ["PeregrineCore", "PeregrinePlatform", "PeregrineRings", "PeregrineRuntime"],
            path: "Sources/HotPath/Journal",
            exclude: ["FORMAT.md"],
            swiftSettings: swiftSettings
        ),
        // Pre-trade risk: preallocated O(1) checks with reason codes, kill switch.
        .target(
            name: "PeregrineRisk",
            dependencies: ["PeregrineCore"],
            path: "Sources/HotPath/Risk",
            swiftSettings: swiftSettings
        ),
        // Model inference (linear, logistic, gradient-boosted trees) and the artifact format.
        .target(
            name: "PeregrineModels",
            dependencies: ["PeregrineCore"],
            path: "Sources/HotPath/Models",
            swiftSettings: swiftSettings
        ),

        // The engine: feed → filter → book → strategies → risk → OMS → FIX on one thread,
        // journal on another; its run report.
        .target(
            name: "PeregrineEngine",
            dependencies: ["PeregrineCore", "PeregrinePlatform", "PeregrineRings", "PeregrineRuntime", "PeregrineJournal",
                           "PeregrineMarketData", "PeregrineStrategy", "PeregrineRisk", "PeregrineOMS",
                           "PeregrineModels", "PeregrineCEP", "PeregrineFIX", "PeregrineFIXTransport", "PeregrineFeeds"],
            path: "Sources/HotPath/Engine",
            swiftSettings: swiftSettings
        ),

        // MARK: - Tools
        .executableTarget(
            name: "PeregrineCLI",
            dependencies: [
                "PeregrineCore", "PeregrinePlatform", "PeregrineRings", "PeregrineRuntime", "PeregrineJournal",
                "PeregrineFIX", "PeregrineFIXTransport", "PeregrineCEP", "PeregrineWarehouse", "PeregrineMarketData",
                "PeregrineEngine", "PeregrineSimExchange", "PeregrineSimVenue", "PeregrineStrategy", "PeregrineRisk",
                "PeregrineModels", "PeregrineOMS", "PeregrineFeeds", "PeregrineReports", "PeregrineTraining", "PeregrineColdServices",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Tools/peregrine",
            swiftSettings: swiftSettings
        ),

        // MARK: - Test kit
        .target(
            name: "PeregrineTestKit",
            dependencies: ["PeregrineCore", "PeregrinePlatform"],
            path: "Sources/Testing/PeregrineTestKit",
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests (one target per module)
        .testTarget(
            name: "PrimitivesTests",
            dependencies: ["PeregrineCore", "PeregrineTestKit"],
            path: "Tests/PrimitivesTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PlatformTests",
            dependencies: ["PeregrinePlatform", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/PlatformTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RingsTests",
            dependencies: ["PeregrineRings", "PeregrinePlatform", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/RingsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FIXTests",
            dependencies: ["PeregrineFIX", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/FIXTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FIXSessionTests",
            dependencies: ["PeregrineFIXTransport", "PeregrineFIX", "PeregrinePlatform", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/FIXSessionTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FIXInteropTests",
            dependencies: ["PeregrineFIXTransport", "PeregrineFIX", "PeregrinePlatform", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/FIXInteropTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarketDataTests",
            dependencies: ["PeregrineMarketData", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/MarketDataTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JournalTests",
            dependencies: ["PeregrineJournal", "PeregrineRuntime", "PeregrineRings", "PeregrinePlatform", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/JournalTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RiskTests",
            dependencies: ["PeregrineRisk", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/RiskTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ModelsTests",
            dependencies: ["PeregrineModels", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/ModelsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CEPTests",
            dependencies: ["PeregrineCEP", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/CEPTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrategyTests",
            dependencies: ["PeregrineStrategy", "PeregrineCEP", "PeregrineModels", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/StrategyTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OMSTests",
            dependencies: ["PeregrineOMS", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/OMSTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SimVenueTests",
            dependencies: ["PeregrineSimVenue", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/SimVenueTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WarehouseTests",
            dependencies: ["PeregrineWarehouse", "PeregrineJournal", "PeregrineCore", "PeregrineCEP", "PeregrineTraining", "PeregrineModels", "PeregrineTestKit"],
            path: "Tests/WarehouseTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ColdServicesTests",
            dependencies: ["PeregrineColdServices", "PeregrineWarehouse", "PeregrineJournal", "PeregrineCEP", "PeregrineCore", "PeregrineTestKit",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/ColdServicesTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FeedsTests",
            dependencies: ["PeregrineFeeds", "PeregrineMarketData", "PeregrinePlatform", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/FeedsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["PeregrineReports", "PeregrineJournal", "PeregrineOMS", "PeregrineRuntime", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/ReportsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: ["PeregrineEngine", "PeregrineSimExchange", "PeregrineSimVenue", "PeregrineStrategy", "PeregrineRisk",
                           "PeregrineOMS", "PeregrineModels", "PeregrineCEP", "PeregrineFIX", "PeregrineFIXTransport", "PeregrineFeeds", "PeregrineMarketData",
                           "PeregrinePlatform", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/EngineTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["PeregrineRuntime", "PeregrineRings", "PeregrinePlatform", "PeregrineCore", "PeregrineTestKit"],
            path: "Tests/RuntimeTests",
            swiftSettings: swiftSettings
        ),
    ]
)
