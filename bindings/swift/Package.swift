// swift-tools-version:5.7
// Passerelle for iOS (and macOS/Linux): a Swift layer over the C API (passerelle.h).
// docs/bindings.md, "iOS", explains how an app links the client core (an XCFramework of
// libpasserelle built for iOS) and what this package adds: async/await for the network calls,
// AsyncStream for the observers, Codable results.
import PackageDescription

let package = Package(
    name: "Passerelle",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Passerelle", targets: ["Passerelle"]),
    ],
    targets: [
        // The C API as a Swift module: a module map over client-core/include/passerelle/passerelle.h
        // that links libpasserelle.
        .systemLibrary(name: "CPasserelle", path: "Sources/CPasserelle"),
        .target(name: "Passerelle", dependencies: ["CPasserelle"], path: "Sources/Passerelle"),
        .testTarget(name: "PasserelleTests", dependencies: ["Passerelle"], path: "Tests/PasserelleTests"),
    ]
)
