// The pure core of the Sigma engine (wildcard patterns, networks, conditions), compiled on its own for fuzzing:
// rules come from outside and their values meet attacker-written event text.
public enum SigmaCoreFuzz {
    public static func condition(_ text: String) {
        _ = try? ConditionParser.parse(text, searches: ["selection", "filter_main", "filter_optional_x", "a", "b_1", "them"])
    }

    public static func glob(_ pattern: String, _ subject: [UInt8]) {
        _ = Glob(sigma: pattern, lowercased: true).matches(subject)
        _ = Glob(sigma: pattern, lowercased: false).matches(subject)
        _ = Glob.find(Array(pattern.utf8), in: subject)
    }

    public static func cidr(_ network: String, _ address: String) {
        _ = CIDR(network)?.contains(address)
    }
}
