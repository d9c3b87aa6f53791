// swift-tools-version: 6.1
// libFuzzer targets, one per parser entry point. Built and run by Fuzz/fuzz.sh (make fuzz, make fuzz-smoke):
//   swift build --package-path Fuzz --scratch-path .build-fuzz --sanitize=fuzzer --sanitize=address
import PackageDescription

let targets = ["FuzzEVTXChunk", "FuzzEVTXFile", "FuzzSyslog", "FuzzAccessLog", "FuzzWebErrorLog", "FuzzJSON",
               "FuzzTimes", "FuzzPacket", "FuzzNetworkStream"]

let package = Package(
    name: "JikochoFuzz",
    dependencies: [.package(name: "Jikocho", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "Parsers", package: "Jikocho")]),
    ] + targets.map {
        .executableTarget(name: $0, dependencies: ["FuzzSupport", .product(name: "Parsers", package: "Jikocho"),
                                                   .product(name: "JikochoModel", package: "Jikocho")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
)
