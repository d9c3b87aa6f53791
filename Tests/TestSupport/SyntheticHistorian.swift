import Foundation
@_exported import JikochoModel

/// Process series of the kinds plants record, with anomalies injected at known samples: the ground truth for the
/// process-event detector.
public enum SyntheticHistorian {
    public enum Shape: CaseIterable, Sendable {
        /// A daily cycle with noise (a tank level, a temperature).
        case cycle
        /// A mean-reverting noisy value (a pressure, a flow under control).
        case noisy
        /// A pump's flow: 0 when off, a noisy level when on, switching now and then.
        case onOff
        /// A slowly wandering controlled value recorded at a coarse resolution (mostly repeated readings).
        case quantized
    }

    public struct Anomaly: Sendable, Equatable {
        public enum Kind: String, Sendable { case excursion, flatline, setpoint }
        public var kind: Kind
        /// First and last anomalous sample (inclusive).
        public var first: Int
        public var last: Int
    }

    /// One generated series: values per sample index, with the anomalies put in.
    public struct Series: Sendable {
        public var name: String
        public var values: [Double]
        public var anomalies: [Anomaly]
    }

    /// A normal series of `count` samples.
    public static func normal(_ shape: Shape, count: Int, samplesPerDay: Int, rng: inout SeededRandom) -> [Double] {
        let scale = [1.0, 10, 100, 1000][Int.random(in: 0..<4, using: &rng)]
        let base = scale * Double.random(in: 0.5...5, using: &rng)
        var out: [Double] = []
        out.reserveCapacity(count)
        switch shape {
        case .cycle:
            let amp = base * Double.random(in: 0.1...0.4, using: &rng)
            let noise = amp * Double.random(in: 0.01...0.08, using: &rng)
            let phase = Double.random(in: 0..<(2 * .pi), using: &rng)
            for i in 0..<count {
                let t = Double(i) / Double(samplesPerDay) * 2 * .pi + phase
                out.append(base + amp * sin(t) + noise * rng.gaussian())
            }
        case .noisy:
            let sigma = base * Double.random(in: 0.01...0.05, using: &rng)
            var x = 0.0
            for _ in 0..<count {
                x = 0.9 * x + rng.gaussian()
                out.append(base + sigma * x)
            }
        case .onOff:
            let sigma = base * 0.02
            var on = Bool.random(using: &rng)
            let meanRun = Double(samplesPerDay) / 3
            for _ in 0..<count {
                if Double.random(in: 0..<1, using: &rng) < 1 / meanRun { on.toggle() }
                out.append(on ? base + sigma * rng.gaussian() : 0)
            }
        case .quantized:
            // A controlled value wandering slowly about its setpoint, recorded at a coarse resolution.
            let step = base * 0.01
            var x = 0.0
            for _ in 0..<count {
                x = 0.98 * x + rng.gaussian()
                out.append(((base + base * 0.01 * x) / step).rounded() * step)
            }
        }
        return out
    }

    /// A series with up to two excursions and one flatline injected after the first fifth, away from each other.
    public static func withAnomalies(_ shape: Shape, name: String, count: Int, samplesPerDay: Int,
                                     rng: inout SeededRandom) -> Series
    {
        var v = normal(shape, count: count, samplesPerDay: samplesPerDay, rng: &rng)
        let lo = v.min()!, hi = v.max()!
        let width = max(hi - lo, abs(hi) * 0.05, 1e-6)
        var anomalies: [Anomaly] = []
        var taken: [ClosedRange<Int>] = []
        func place(_ length: Int) -> Int? {
            for _ in 0..<50 {
                let start = Int.random(in: (count / 5)..<(count - length - 2), using: &rng)
                let r = (start - samplesPerDay)...(start + length + samplesPerDay)
                if !taken.contains(where: { $0.overlaps(r) }) {
                    taken.append(r)
                    return start
                }
            }
            return nil
        }
        let excursions = Int.random(in: 1...2, using: &rng)
        for _ in 0..<excursions {
            let length = Int.random(in: 1...max(1, samplesPerDay / 4), using: &rng)
            guard let start = place(length) else { continue }
            // Well outside what the series does: a sensor spoofed or a process driven beyond its design.
            let up = Bool.random(using: &rng) || lo - width * 0.8 < 0 && shape == .onOff
            let size = width * Double.random(in: 0.8...2.0, using: &rng)
            for i in start..<(start + length) {
                v[i] = up ? hi + size * (0.8 + 0.2 * Double.random(in: 0...1, using: &rng))
                          : lo - size * (0.8 + 0.2 * Double.random(in: 0...1, using: &rng))
            }
            anomalies.append(Anomaly(kind: .excursion, first: start, last: start + length - 1))
        }
        if shape != .onOff, shape != .quantized {
            let length = samplesPerDay / 2 + Int.random(in: 0...samplesPerDay, using: &rng)
            if let start = place(length) {
                let frozen = v[start]
                for i in start..<(start + length) { v[i] = frozen }
                anomalies.append(Anomaly(kind: .flatline, first: start, last: start + length - 1))
            }
        }
        anomalies.sort { $0.first < $1.first }
        return Series(name: name, values: v, anomalies: anomalies)
    }
}
