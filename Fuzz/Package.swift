// swift-tools-version: 6.1
// libFuzzer targets for Switchyard, kept out of the library's package graph (like Benchmarks/).
// Build: swift build -c release --sanitize=fuzzer --sanitize=address   (from Fuzz/; `make fuzz` does it)
import Foundation
import PackageDescription

// A path dependency is named by its directory, which is whatever the checkout was cloned as.
let parent = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "SwitchyardFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        // The targets' bodies, shared with the main package's FuzzRegressionTests.
        .target(
            name: "SwitchyardFuzzEntryPoints",
            dependencies: [.product(name: "Switchyard", package: parent)],
            path: "EntryPoints"
        ),
        // One libFuzzer binary; $FUZZ_TARGET picks the target (rule_loader, policy_loader,
        // request_stream, classifier, views).
        .executableTarget(
            name: "switchyard-fuzz",
            dependencies: ["SwitchyardFuzzEntryPoints"],
            path: "Sources/SwitchyardFuzz",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
