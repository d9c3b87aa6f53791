/// An exercise the repository generates from a seed: evidence, inventory and scenario.yaml.
public protocol GeneratedExercise {
    static var name: String { get }
    static var defaultSeed: UInt64 { get }
    init(seed: UInt64)
    mutating func generate(into directory: String) throws -> WaterTreatmentExercise.Summary
}

extension WaterTreatmentExercise: GeneratedExercise {}
extension LiftStationFalseAlarmExercise: GeneratedExercise {}
extension FileTransferExtortionExercise: GeneratedExercise {}
extension SupplyChainUpdateExercise: GeneratedExercise {}
extension RansomwareFactoryExercise: GeneratedExercise {}
extension PLCStopDownloadExercise: GeneratedExercise {}

/// The exercises the repository generates, by name.
public enum ExerciseLibrary {
    static let all: [any GeneratedExercise.Type] = [
        WaterTreatmentExercise.self, LiftStationFalseAlarmExercise.self, FileTransferExtortionExercise.self,
        SupplyChainUpdateExercise.self, RansomwareFactoryExercise.self, PLCStopDownloadExercise.self,
    ]

    public static let names = all.map { $0.name }

    /// Writes an exercise's evidence, inventory and scenario.yaml into `directory`.
    public static func generate(_ name: String, seed: UInt64? = nil, into directory: String) throws
        -> WaterTreatmentExercise.Summary
    {
        guard let type = all.first(where: { $0.name == name }) else {
            throw ExerciseError("unknown exercise \(name); known: \(names.joined(separator: ", "))")
        }
        return try generate(type, seed: seed, into: directory)
    }

    static func generate<X: GeneratedExercise>(_ type: X.Type, seed: UInt64?, into directory: String) throws
        -> WaterTreatmentExercise.Summary
    {
        var x = X(seed: seed ?? X.defaultSeed)
        return try x.generate(into: directory)
    }
}
