import EvidenceStore
import Foundation
import JikochoModel

/// A fresh case in a scratch directory.
public func makeCase(_ tmp: TempDir, name: String = "Test case") throws -> Case {
    try Case.create(at: tmp.url.appendingPathComponent("case").path, name: name, examiner: "Examiner One")
}

/// A fresh case holding one evidence item (a few bytes no collector reads): what events, samples and runs written
/// straight through `beginIngest` cite.
public func caseWithOneItem(_ tmp: TempDir) throws -> (Case, EvidenceItem) {
    let c = try makeCase(tmp)
    guard case .added(let item) = try c.add(paths: [tmp.file("in/capture.bin", "bytes")]).first else {
        throw CaseError(.io, "fixture not added")
    }
    return (c, item)
}
