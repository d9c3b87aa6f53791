/// The exercises the repository generates, by name.
public enum ExerciseLibrary {
    public static let names = [WaterTreatmentExercise.name, LiftStationFalseAlarmExercise.name,
                               FileTransferExtortionExercise.name, SupplyChainUpdateExercise.name,
                               RansomwareFactoryExercise.name, PLCStopDownloadExercise.name]

    /// Writes an exercise's evidence, inventory and scenario.yaml into `directory`.
    public static func generate(_ name: String, seed: UInt64? = nil, into directory: String) throws
        -> WaterTreatmentExercise.Summary
    {
        switch name {
        case WaterTreatmentExercise.name:
            var x = WaterTreatmentExercise(seed: seed ?? WaterTreatmentExercise.defaultSeed)
            return try x.generate(into: directory)
        case LiftStationFalseAlarmExercise.name:
            var x = LiftStationFalseAlarmExercise(seed: seed ?? LiftStationFalseAlarmExercise.defaultSeed)
            return try x.generate(into: directory)
        case FileTransferExtortionExercise.name:
            var x = FileTransferExtortionExercise(seed: seed ?? FileTransferExtortionExercise.defaultSeed)
            return try x.generate(into: directory)
        case SupplyChainUpdateExercise.name:
            var x = SupplyChainUpdateExercise(seed: seed ?? SupplyChainUpdateExercise.defaultSeed)
            return try x.generate(into: directory)
        case RansomwareFactoryExercise.name:
            var x = RansomwareFactoryExercise(seed: seed ?? RansomwareFactoryExercise.defaultSeed)
            return try x.generate(into: directory)
        case PLCStopDownloadExercise.name:
            var x = PLCStopDownloadExercise(seed: seed ?? PLCStopDownloadExercise.defaultSeed)
            return try x.generate(into: directory)
        default:
            throw ExerciseError("unknown exercise \(name); known: \(names.joined(separator: ", "))")
        }
    }
}
