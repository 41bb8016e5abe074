// swift-tools-version: 6.1
import PackageDescription

// Switchyard's benchmark suite, kept as its own package so package-benchmark and Vectorscan stay
// out of the library's dependency graph. Run everything with ./run.sh (see README.md).
let benchmarkTargets = ["ClassifyLatency", "ClassifyThroughput", "RulePack", "BatchRouting", "Pipeline"]

let package = Package(
    name: "SwitchyardBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Switchyard", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Vectorscan (Debian libvectorscan-dev), block mode, behind a small C shim.
        .target(name: "CVectorscan", linkerSettings: [.linkedLibrary("hs")]),
        // Heap bytes in use (glibc mallinfo2), for what a compiled pack keeps allocated.
        .target(name: "CHeap"),
        // Inputs, packs, the engines under comparison and measurement helpers.
        .target(
            name: "BenchSupport",
            dependencies: ["CVectorscan", "CHeap", .product(name: "Switchyard", package: "Switchyard")]
        ),
        // Same-process, interleaved comparison of every engine: the figures and ratios of README.md.
        .executableTarget(name: "switchyard-bench-report", dependencies: ["BenchSupport"], path: "Sources/Report"),
    ] + benchmarkTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Switchyard", package: "Switchyard"),
            ],
            path: "Benchmarks/\(name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    },
    swiftLanguageModes: [.v6]
)
