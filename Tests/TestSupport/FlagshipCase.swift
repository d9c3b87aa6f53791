import EvidenceStore
import Exercises
import Foundation
import Timeline

/// The flagship exercise, generated once per test process into a scratch folder and ingested into a case.
public final class FlagshipCase: @unchecked Sendable {
    public static let shared = FlagshipCase()
    let dir = TempDir("flagship")
    public let evidence: String
    public let casePath: String
    /// Tests of several suites ask for cases at once: the exercise is written by one of them, completely, before any
    /// reads it (a test that saw `scenario.yaml` while another was still writing the capture ingested half of it).
    private let generation = NSLock()
    private var generated = false

    init() {
        evidence = dir.url.appendingPathComponent("evidence").path
        casePath = dir.url.appendingPathComponent("case").path
    }

    /// A fresh case of the exercise (each test gets its own, since tests change clocks).
    public func makeCase(label: String, inventory: Bool = true, without: Set<String> = []) throws -> Case {
        try generation.withLock {
            guard !generated else { return }
            var x = WaterTreatmentExercise()
            _ = try x.generate(into: evidence)
            generated = true
        }
        let path = dir.url.appendingPathComponent("case-\(label)").path
        let c = try Case.create(at: path, name: label, examiner: "test")
        if inventory {
            let assets = try AssetInventory.load(path: evidence + "/assets.yaml")
            try c.importAssets(assets, file: "assets.yaml", sha256: String(repeating: "0", count: 64))
        }
        for outcome in try c.add(paths: [evidence]) {
            if case .added(let item) = outcome, item.name != "assets.yaml", item.name != "scenario.yaml",
               !without.contains(item.name) {
                _ = try c.ingest(item)
            }
        }
        return c
    }
}

