import Foundation
import Timeline

/// The answer key of a committed exercise under `Evidence/`.
public enum AnswerKey {
    public static func load(exercise: String) throws -> ExerciseAnswer {
        let path = TestPaths.repoRoot.appendingPathComponent("Evidence/\(exercise)/scenario.yaml").path
        guard let answer = try Scenario.load(path: path).answer else { throw ExerciseKeyError("\(path) has no answer") }
        return answer
    }
}
