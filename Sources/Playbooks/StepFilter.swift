import EvidenceStore
import JikochoModel

extension PlaybookRunner.Engines {
    /// What a step's Sigma rules let the store filter on before an event is decoded: the domains their logsources
    /// name and the text every match must hold (the rules' literal anchors, `Anchors`). Nil when a rule reads other
    /// than the normalized view (`product: jikocho`) or has no anchor the store can test: then every event of the
    /// step's kinds is a candidate. Worked out once per set of rules.
    func sigmaFilter(_ step: Playbook.Step) -> (domains: [Domain], text: [[TextMatch]])? {
        guard !step.sigma.isEmpty else { return nil }
        let key = Self.rulesKey(step)
        if let hit = sigmaFilters[key] { return hit }
        let made = Self.sigmaFilter(step.sigma)
        sigmaFilters[key] = .some(made)
        return made
    }

    static func sigmaFilter(_ rules: [SigmaRule]) -> (domains: [Domain], text: [[TextMatch]])? {
        var domains = Set<Domain>()
        var any = false
        var group: [TextMatch] = []
        for r in rules {
            guard r.logsource.product == "jikocho" else { return nil }
            if let c = r.logsource.category {
                guard let d = Domain(rawValue: c) else { return nil }
                domains.insert(d)
            } else {
                any = true
            }
            guard let anchors = Anchors.of(r.condition, r, renames: [:]) else { return nil }
            for a in anchors {
                guard a.field != "*", !EventView.derivedFields.contains(a.field),
                      !a.field.hasPrefix("chain_") else { return nil }
                let needle = String(decoding: a.literal, as: UTF8.self)
                guard TextMatch.usable(needle) else { return nil }
                group.append(TextMatch(column: TextMatch.columns.contains(a.field) ? a.field : nil, needle))
            }
        }
        let text = group.isEmpty ? [] : [Array(Set(group)).sorted { ($0.column ?? "", $0.needle) < ($1.column ?? "", $1.needle) }]
        return (any ? [] : domains.sorted { $0.rawValue < $1.rawValue }, text)
    }
}
