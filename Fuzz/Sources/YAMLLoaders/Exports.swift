import Foundation
import Yams

// The YAML loaders, compiled on their own for fuzzing: Sigma rules (with correlations and placeholders),
// playbooks, exercise scenarios and answers files, asset inventories. Each is given the same text; each must
// answer with problems, never crash, hang or grow without bound.
public enum YAMLLoadersFuzz {
    public static func all(_ text: String) {
        _ = SigmaLoader.parseAll(text, file: "fuzz.yml", placeholders: ["admins": ["a*", "root"]])
        _ = try? PlaybookLoader.parse(text, file: "Fuzz.Case.yml")
        _ = try? Scenario.parse(text, file: "scenario.yaml")
        _ = try? AssetInventory.parse(text, file: "assets.yaml")
        if let node = try? PlainYAML.load(text, file: "answers.yaml") as? [String: Any] {
            _ = try? ExerciseAnswer(mapping: node, file: "answers.yaml")
        }
    }
}
