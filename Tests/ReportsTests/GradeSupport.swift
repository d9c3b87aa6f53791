import Reports

extension Grade {
    /// The items by question.
    var byQuestion: [String: GradeItem] { Dictionary(uniqueKeysWithValues: items.map { ($0.question, $0) }) }
    /// Every item as `question earned/points notes`, for an expectation's message.
    var detail: String { items.map { "\($0.question) \($0.earned)/\($0.points) \($0.notes)" }.joined(separator: "; ") }
}
