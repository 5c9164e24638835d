import Foundation
import SluiceTelemetry

/// Realistic status numbers for a card-fraud topology that change from one tick to the next, deterministically:
/// what the dashboard tests and the screenshot draw.
struct FakePipeline {
    var seed: UInt64

    func status(tick: Int) -> TelemetryStatus {
        var random = SplitMix64(seed: seed &+ UInt64(tick) &* 7919)
        let t = Double(tick)
        let consumed = 182_000 + 26_000 * sin(t / 6) + 6_000 * (random.nextUnit() - 0.5)
        let produced = consumed * (0.994 + 0.004 * random.nextUnit())
        let baseTotal = 3_400_000_000
        let stages: [(String, Double)] = [
            ("decode", 0.000_000_45), ("validate", 0.000_000_21), ("window", 0.000_000_92), ("features", 0.000_000_31),
            ("score", 0.000_001_05), ("shadow", 0.000_000_98), ("monitor", 0.000_000_44), ("produce", 0.000_000_52),
        ]
        let e2e = 0.024 * (1 + 0.25 * sin(t / 4)) + 0.002 * random.nextUnit()
        let partitions = (0..<12).map { index -> TelemetryStatus.Partition in
            let wave = 900 + 700 * sin(t / 5 + Double(index))
            let lag = index == 7 ? 4_200 + Int(900 * sin(t / 3)) : max(0, Int(wave + 300 * random.nextUnit()))
            let state = index == 7 ? "paused" : (index == 11 && tick < 4 ? "restoring" : "running")
            return TelemetryStatus.Partition(
                topic: "transactions", partition: index, lag: lag, state: state,
                committedOffset: 28_000_000 + index * 1_000 + tick * 15_000)
        }
        let psi: [(String, Double)] = [
            ("log_amount", 0.04 + 0.01 * sin(t / 3)), ("amount_vs_mean", 0.13 + 0.02 * sin(t / 5)),
            ("foreign", 0.02), ("mcc_risk", 0.29 + 0.03 * sin(t / 2)), ("card_10m.n", 0.07), ("hour_of_day", 0.01),
        ]
        let now = 1_795_000_000.0 + t
        return TelemetryStatus(
            topology: .init(name: "card-fraud", hash: "9f2c4e1ab37d0c5512aa"),
            uptimeSeconds: 5 * 3600 + 17 * 60 + t,
            throughput: .init(
                consumedPerSecond: consumed, producedPerSecond: produced, consumedTotal: baseTotal + tick * 182_000,
                producedTotal: baseTotal - 9_000_000 + tick * 181_000, inflight: 2_800 + Int(900 * random.nextUnit())),
            stages: stages.map { name, p50 in
                TelemetryStatus.Latency(
                    name: name, p50: p50, p90: p50 * (1.5 + 0.2 * random.nextUnit()),
                    p99: p50 * (3.5 + random.nextUnit()),
                    count: 1_000_000 + tick)
            },
            endToEndLatency: .init(
                name: "end-to-end", p50: e2e, p90: e2e * 1.8, p99: e2e * 2.8, max: e2e * 5.5, count: tick * 180_000),
            partitions: partitions,
            models: [
                .init(
                    name: "fraud-v3", version: "3.2.0", role: "primary",
                    latency: .init(name: "fraud-v3", p50: 0.000_001_05, p99: 0.000_004_2),
                    scored: baseTotal + tick * 182_000),
                .init(
                    name: "fraud-v4", version: "4.0.0-rc1", role: "shadow",
                    latency: .init(name: "fraud-v4", p50: 0.000_000_98, p99: 0.000_003_9),
                    scored: baseTotal - 2_000_000 + tick * 181_500),
                .init(
                    name: "fraud-lgbm-v5", version: "5.0.0-beta", role: "shadow",
                    latency: .init(name: "fraud-lgbm-v5", p50: 0.000_002_4, p99: 0.000_009),
                    scored: 900_000_000 + tick * 150_000),
            ],
            shadows: [
                .init(
                    model: "fraud-v4", primary: "fraud-v3", agreement: 0.968 + 0.01 * sin(t / 4),
                    compared: baseTotal - 2_000_000 + tick * 181_500, skipped: 12_400 + tick * 3),
                .init(
                    model: "fraud-lgbm-v5", primary: "fraud-v3", agreement: 0.871 + 0.02 * sin(t / 3),
                    compared: 900_000_000 + tick * 150_000, skipped: 1_204_000 + tick * 300),
            ],
            drift: psi.map { feature, value in
                .init(
                    feature: feature, model: "fraud-v3", statistic: "psi", value: value, warn: 0.1, alert: 0.25,
                    severity: value >= 0.25 ? "alert" : value >= 0.1 ? "warn" : "ok")
            } + [
                .init(
                    feature: "score", model: "fraud-v3", statistic: "ks", value: 0.031, warn: 0.05, alert: 0.1,
                    severity: "ok")
            ],
            deadLetters: [
                .init(reason: "missing-field", count: 18_204 + tick * 4),
                .init(reason: "type-mismatch", count: 6_120 + tick),
                .init(reason: "out-of-range", count: 3_311 + tick),
                .init(reason: "malformed-json", count: 742),
                .init(reason: "late-event", count: 15_880 + tick * 2),
            ],
            alerts: [
                .init(
                    time: now - 42, severity: "alert", model: "fraud-v3", feature: "mcc_risk",
                    message: "PSI 0.29 above alert threshold 0.25 for 3 windows"),
                .init(
                    time: now - 611, severity: "warn", model: "fraud-v3", feature: "amount_vs_mean",
                    message: "PSI 0.13 above warn threshold 0.10"),
                .init(
                    time: now - 1_930, severity: "info", model: "fraud-v3", feature: "log_amount",
                    message: "drift cleared: PSI back under 0.10"),
                .init(
                    time: now - 5_210, severity: "warn", model: "fraud-lgbm-v5",
                    message: "shadow agreement 0.86 under 0.90"),
            ])
    }
}
