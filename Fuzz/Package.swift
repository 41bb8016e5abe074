// swift-tools-version: 6.1
// libFuzzer targets for Switchyard, kept out of the library's package graph (like Benchmarks/).
// Build: swift build -c release --sanitize=fuzzer --sanitize=address   (from Fuzz/; `make fuzz` does it)
import PackageDescription

// SwiftPM names a path dependency after its directory, and this package after its own ("fuzz"):
// a checkout cloned as `fuzz` would give both the same identity. `switchyard` is a symlink to
// `..`, so the parent is always the package `switchyard`, whatever its directory is called.
let parent = "switchyard"

let package = Package(
    name: "SwitchyardFuzz",
    dependencies: [.package(path: "switchyard")],
    targets: [
        // One libFuzzer binary; $FUZZ_TARGET picks the target (rule_loader, policy_loader,
        // request_stream, classifier, views).
        .executableTarget(
            name: "switchyard-fuzz",
            // The targets' bodies, from the main package (they use its package-level API).
            dependencies: [.product(name: "SwitchyardFuzzEntryPoints", package: parent)],
            path: "Sources/SwitchyardFuzz",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
