// swift-tools-version: 6.1
// libFuzzer targets, one per parser entry point. Built and run by Fuzz/fuzz.sh (make fuzz, make fuzz-smoke):
//   swift build --package-path Fuzz --scratch-path .build-fuzz -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
// The parsers are compiled here as this package's own targets (Sources/Parsers, JikochoModel and CZlib are links to
// the project's folders), not taken as a dependency on the project: a dependency's modules have been seen to come
// out without the coverage instrumentation, which leaves libFuzzer blind.
import PackageDescription

let targets = ["FuzzEVTXChunk", "FuzzEVTXFile", "FuzzSyslog", "FuzzAccessLog", "FuzzWebErrorLog", "FuzzJSON",
               "FuzzTimes", "FuzzPacket", "FuzzNetworkStream", "FuzzHistorian", "FuzzXLSX"]

let package = Package(
    name: "JikochoFuzz",
    dependencies: [.package(url: "https://github.com/jpsim/Yams", from: "6.2.2")],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib"),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive"),
        // The archive reader (Sources/Collectors/Archives) over libarchive, reading from memory.
        .target(name: "ArchiveCore", dependencies: ["CArchive"]),
        .executableTarget(name: "FuzzArchive", dependencies: ["ArchiveCore"], swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        // The YAML loaders (Sigma rules, playbooks, scenarios, answers, inventories), linked file by file; Yams
        // itself is a dependency (its coverage counters are not needed: the loaders' are).
        .target(name: "YAMLLoaders", dependencies: ["JikochoModel", "Parsers", .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "FuzzYAML", dependencies: ["YAMLLoaders"], swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .target(name: "JikochoModel"),
        .target(name: "Parsers", dependencies: ["JikochoModel", "CZlib"]),
        .target(name: "FuzzSupport", dependencies: ["Parsers"]),
        // Sigma's pure core (Sources/Playbooks/Sigma: patterns, networks, conditions), linked file by file.
        .target(name: "SigmaCore"),
        .executableTarget(name: "FuzzSigma", dependencies: ["SigmaCore"], swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ] + targets.map {
        .executableTarget(name: $0, dependencies: ["FuzzSupport", "Parsers", "JikochoModel"],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
)
