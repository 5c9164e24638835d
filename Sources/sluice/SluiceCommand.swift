import ArgumentParser

@main
struct SluiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A streaming feature and inference pipeline for Kafka.",
        discussion: """
            Sluice consumes events from Kafka, validates them, computes windowed features, scores them with \
            XGBoost, LightGBM or linear models, compares shadow models and watches for drift, and produces \
            predictions, alerts and dead letters back to Kafka. With no brokers given, commands start an \
            embedded Kafka cluster in the process.

            Start with `sluice bench` to see the throughput of this machine, or `sluice broker` to serve a \
            Kafka cluster on loopback for other programs.
            """,
        version: "0.1.0",
        subcommands: [
            RunCommand.self, ReplayCommand.self, CheckCommand.self, ScoreCommand.self, ProfileCommand.self,
            DemoCommand.self, FeaturesCommand.self, PromoteCommand.self, ReloadModelCommand.self, GenerateCommand.self,
            TailCommand.self, BrokerCommand.self, BenchCommand.self,
        ]
    )
}
