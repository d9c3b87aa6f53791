// swift-tools-version: 6.1
import PackageDescription

/// Release builds of the event path: generic helpers specialized across modules (the attribute writer's `int<T>` is
/// called from every decoder), and no run-time exclusivity checks (debug builds and the tests keep them).
let speed: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"],
                                          .when(configuration: .release))]

let package = Package(
    name: "Jikocho",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "jikocho", targets: ["jikocho"]),
        .library(name: "JikochoModel", targets: ["JikochoModel"]),
        .library(name: "Parsers", targets: ["Parsers"]),
        .library(name: "EvidenceStore", targets: ["EvidenceStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // jikocho serve: a small HTTP server on plain sockets (no SwiftNIO, so a clean build stays short).
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // System-library shims: a module map and a header, nothing else.
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CMagic", providers: [.apt(["libmagic-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        .target(name: "JikochoModel", swiftSettings: speed),
        .target(name: "Parsers", dependencies: ["JikochoModel", "CZlib"], swiftSettings: speed),
        .target(
            name: "Collectors",
            dependencies: ["JikochoModel", "Parsers", "CMagic", "CArchive", "CPcap",
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: speed),
        .target(
            name: "EvidenceStore",
            dependencies: ["JikochoModel", "Parsers", "Collectors",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: speed),
        .target(name: "Exercises", dependencies: ["JikochoModel", "CPcap", "CArchive"]),
        .target(name: "Timeline", dependencies: ["EvidenceStore", "Parsers", .product(name: "Yams", package: "Yams")]),
        .target(name: "Playbooks", dependencies: ["Timeline", "JikochoModel", .product(name: "Yams", package: "Yams")]),
        .target(name: "Reports", dependencies: ["Playbooks"]),
        .target(name: "Viewer", dependencies: ["Reports", .product(name: "FlyingFox", package: "FlyingFox"),
                                               .product(name: "FlyingSocks", package: "FlyingFox")]),
        .executableTarget(
            name: "jikocho",
            dependencies: ["Reports", "Viewer", "Playbooks", "Timeline", "EvidenceStore", "Collectors", "Parsers", "Exercises",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Yams", package: "Yams")]),
        .executableTarget(
            name: "jikocho-bench",
            dependencies: ["EvidenceStore", .product(name: "GRDBSQLite", package: "GRDB.swift")],
            path: "Benchmarks/jikocho-bench"),

        .target(name: "TestSupport", dependencies: ["CArchive", "JikochoModel", "Parsers", "EvidenceStore", "Exercises", "Timeline",
                                                   .product(name: "Yams", package: "Yams")],
                path: "Tests/TestSupport"),
        .testTarget(name: "JikochoModelTests", dependencies: ["JikochoModel"]),
        .testTarget(name: "ParsersTests", dependencies: ["Parsers", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
                    exclude: ["Golden"]),
        .testTarget(name: "CollectorsTests", dependencies: ["Collectors", "TestSupport", "Exercises"], exclude: ["Golden"]),
        .testTarget(name: "EvidenceStoreTests", dependencies: ["EvidenceStore", "Collectors", "TestSupport",
                                                               .product(name: "GRDB", package: "GRDB.swift")],
                    exclude: ["Golden"]),
        .testTarget(name: "TimelineTests", dependencies: ["Timeline", "EvidenceStore", "Exercises", .product(name: "Yams", package: "Yams"), "Collectors", "TestSupport",
                                                         .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "PlaybooksTests", dependencies: ["Playbooks", "Collectors", "TestSupport", "EvidenceStore", "Exercises", "Timeline",
                                                          .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Playbooks", "Timeline", "EvidenceStore", "Collectors", "Parsers", "Exercises",
                                                        "TestSupport"]),
        .testTarget(name: "ViewerTests", dependencies: ["Viewer", "Reports", "EvidenceStore", "TestSupport"]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CPcap", "CArchive", "CMagic", "TestSupport"]),
        .testTarget(name: "jikochoTests", dependencies: ["jikocho", "EvidenceStore", "Parsers", "TestSupport",
                                                         .product(name: "GRDB", package: "GRDB.swift"),
                                                         .product(name: "GRDBSQLite", package: "GRDB.swift")],
                    exclude: ["Golden"]),
    ]
)
