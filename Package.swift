// swift-tools-version: 6.1
import PackageDescription

// Dependencies point one way: switchyard (CLI) → SwitchyardServe (HTTP service) → Switchyard → SwitchyardRouting → SwitchyardRules → SwitchyardMatching → CRE2, CZlib.
// SwitchyardEnvelope (strict JSON, request lines) depends on nothing. SwitchyardRedis (strikes shared
// through Redis) → SwitchyardRouting, CHiredis; only the CLI links it.
let package = Package(
    name: "Switchyard",
    products: [
        .library(name: "Switchyard", targets: ["Switchyard"]),
        // The fuzz targets' bodies, for the nested Fuzz/ package (see FuzzEntryPoints below).
        .library(name: "SwitchyardFuzzEntryPoints", targets: ["FuzzEntryPoints"]),
        .executable(name: "switchyard", targets: ["switchyard"]),
        // The C ABI (include/switchyard.h) as a shared library for gateways in C, C++, Go or Rust.
        .library(name: "CSwitchyard", type: .dynamic, targets: ["CSwitchyard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // SHA-256 for audit records (text digests and the hash chain).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // The service (`switchyard serve`): HTTP server, lifecycle, logs, metrics, upstream client.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
    ],
    targets: [
        // The only C++ in the package: an extern "C" shim over Debian's libre2.
        .target(
            name: "CRE2",
            linkerSettings: [.linkedLibrary("re2"), .linkedLibrary("stdc++")]
        ),
        // Debian's zlib: the decoded view inflates gzip and zlib streams found in base64 or hex.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // SIMD byte classes (SSSE3/AVX2 nibble lookups, a byte loop elsewhere) for the per-byte passes.
        .target(name: "CByteMasks"),
        .target(name: "SwitchyardMatching", dependencies: ["CRE2", "CZlib", "CByteMasks"], exclude: ["Views/Generator"]),
        .target(name: "SwitchyardEnvelope"),
        .target(
            name: "SwitchyardRules",
            dependencies: ["SwitchyardMatching", .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "SwitchyardRouting", dependencies: ["SwitchyardRules", "SwitchyardEnvelope", .product(name: "Yams", package: "Yams")]),
        .target(name: "Switchyard", dependencies: ["SwitchyardRouting", .product(name: "Crypto", package: "swift-crypto")]),
        // The stdin streams, evaluation, evasion generator and audit report tooling the CLI runs:
        // kept out of what a gateway imports.
        .target(name: "SwitchyardTools", dependencies: ["Switchyard", .product(name: "Crypto", package: "swift-crypto")]),
        // Debian's hiredis, for strikes shared by a fleet through Redis.
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .target(name: "SwitchyardRedis", dependencies: ["SwitchyardRouting", "CHiredis"]),
        // switchyard.h: the C ABI's types and declarations; CSwitchyard defines them (@_cdecl).
        .target(name: "CSwitchyardABI"),
        .target(name: "CSwitchyard", dependencies: ["Switchyard", "CSwitchyardABI"]),
        // The HTTP gateway behind `switchyard serve`.
        .target(
            name: "SwitchyardServe",
            dependencies: [
                "Switchyard",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: [
                "Switchyard", "SwitchyardTools", "SwitchyardServe", "SwitchyardRedis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "SwitchyardMatchingTests", dependencies: ["SwitchyardMatching"]),
        .testTarget(name: "SwitchyardEnvelopeTests", dependencies: ["SwitchyardEnvelope"]),
        .testTarget(name: "SwitchyardRulesTests", dependencies: ["SwitchyardRules", "AllocationCounter"]),
        // Test-only: counts the calling thread's heap allocations (replaces malloc in the test process).
        .target(name: "AllocationCounter", path: "Tests/AllocationCounter"),
        .testTarget(name: "SwitchyardRoutingTests", dependencies: ["SwitchyardRouting", "SwitchyardRedis"]),
        .testTarget(name: "SwitchyardCLITests", dependencies: ["Switchyard", "SwitchyardTools"]),
        .testTarget(
            name: "SwitchyardServeTests",
            dependencies: [
                "SwitchyardServe",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        // The fuzz targets' bodies: the nested Fuzz/ package links them into its libFuzzer binary
        // (they use the engine's package-level API, which only this package can see), and
        // FuzzRegressionTests replays every seed and kept crash input through them.
        .target(name: "FuzzEntryPoints", dependencies: ["Switchyard", "SwitchyardTools"], path: "Fuzz/EntryPoints"),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzEntryPoints"]),
        // Test-only: C code that calls the C ABI exactly as a C gateway would.
        .target(name: "CABICheck", dependencies: ["CSwitchyardABI", "CSwitchyard"], path: "Tests/CABICheck"),
        .testTarget(name: "CSwitchyardTests", dependencies: ["CABICheck", "CSwitchyard", "SwitchyardTools"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
