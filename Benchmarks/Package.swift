// swift-tools-version: 6.1
//
// Peregrine's benchmark suite: its own package so that benchmark-only dependencies
// (ordo-one/benchmark, hdrhistogram-swift) never enter the product.
//   Benchmarks/SubstrateBenchmarks  ordo-one/benchmark: per-call cost and malloc counts
//   Sources/PeregrineBench          `peregrine-bench`: cross-thread and socket figures with
//                                   HDR percentiles, side by side with the C baselines
//   Sources/CBaselines              plain C11 SPSC ring, cache-line ping-pong, C sockets
import PackageDescription

let package = Package(
    name: "PeregrineBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Peregrine", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .target(
            name: "CBaselines",
            path: "Sources/CBaselines",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("pthread"), .linkedLibrary("uring")]
        ),
        .executableTarget(
            name: "PeregrineBench",
            dependencies: [
                "CBaselines",
                .product(name: "PeregrineCore", package: "Peregrine"),
                .product(name: "PeregrinePlatform", package: "Peregrine"),
                .product(name: "PeregrineRings", package: "Peregrine"),
                .product(name: "PeregrineRuntime", package: "Peregrine"),
                .product(name: "PeregrineJournal", package: "Peregrine"),
                .product(name: "PeregrineMarketData", package: "Peregrine"),
                .product(name: "PeregrineFIX", package: "Peregrine"),
                .product(name: "PeregrineModels", package: "Peregrine"),
                .product(name: "PeregrineRisk", package: "Peregrine"),
                .product(name: "PeregrineOMS", package: "Peregrine"),
                .product(name: "PeregrineCEP", package: "Peregrine"),
                .product(name: "PeregrineStrategy", package: "Peregrine"),
                .product(name: "PeregrineSimVenue", package: "Peregrine"),
                .product(name: "PeregrineFIXTransport", package: "Peregrine"),
                .product(name: "PeregrineEngine", package: "Peregrine"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Sources/PeregrineBench",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "SubstrateBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PeregrineCore", package: "Peregrine"),
                .product(name: "PeregrinePlatform", package: "Peregrine"),
                .product(name: "PeregrineRings", package: "Peregrine"),
            ],
            path: "Benchmarks/SubstrateBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
