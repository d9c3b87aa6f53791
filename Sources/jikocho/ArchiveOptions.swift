import ArgumentParser
import EvidenceStore

/// Limits on opening archives, shared by `add` and `ingest`.
struct ArchiveOptions: ParsableArguments {
    @Option(help: "Largest archive member kept, in MiB.") var maxMemberSize: Int64 = 8192
    @Option(help: "Stop expanding an archive past this many times its own size (decompression bombs).")
    var maxExpansion: Int64 = 200
    @Option(help: "Open archives inside archives to this depth.") var maxDepth = 4

    func validate() throws {
        guard maxMemberSize > 0, maxExpansion > 0, maxDepth >= 0 else {
            throw ValidationError("archive limits must be positive")
        }
    }

    var limits: ArchiveLimits {
        ArchiveLimits(maxMemberSize: maxMemberSize << 20, maxExpansionRatio: maxExpansion, maxDepth: maxDepth)
    }
}
