// swift-tools-version: 6.1
// A gateway that embeds Switchyard as a library, written against the `Switchyard` product's public
// API only: building it (`make example-gateway`) is the check that what a gateway needs is public
// and that nothing more is needed. The README's library section is the short version of this.
import PackageDescription

let package = Package(
    name: "SwitchyardGatewayExample",
    dependencies: [.package(name: "Switchyard", path: "../..")],
    targets: [
        .executableTarget(name: "gateway-example", dependencies: [.product(name: "Switchyard", package: "Switchyard")]),
    ],
    swiftLanguageModes: [.v6]
)
