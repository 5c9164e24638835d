// swift-tools-version: 6.0
// Sluice: a streaming, real-time feature and inference pipeline for Kafka.
// The module layout follows ../shared/DESIGN.md: arrows point one way, pure targets carry no Kafka.

import PackageDescription

let strictness: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .library(name: "SluiceKafka", targets: ["SluiceKafka"]),
        .library(name: "SluiceCore", targets: ["SluiceCore"]),
        .library(name: "SluiceRuntime", targets: ["SluiceRuntime"]),
        .library(name: "SluiceTelemetry", targets: ["SluiceTelemetry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // librdkafka as a system library, and its Swift face.
        .systemLibrary(
            name: "CRDKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "SluiceKafka",
            dependencies: ["CRDKafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictness
        ),

        // Pure targets: no Kafka, tested on their own.
        .target(
            name: "SluiceCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strictness
        ),
        .target(name: "SluiceOperators", dependencies: ["SluiceCore"], swiftSettings: strictness),
        .target(name: "SluiceModels", dependencies: ["SluiceCore"], swiftSettings: strictness),
        .target(name: "SluiceMonitoring", dependencies: ["SluiceCore"], swiftSettings: strictness),

        // Wiring a topology to Kafka, and the command line.
        .target(
            name: "SluiceRuntime",
            dependencies: [
                "SluiceKafka", "SluiceCore", "SluiceOperators", "SluiceModels", "SluiceMonitoring",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictness
        ),
        // Metrics, the HTTP endpoint, admin API and dashboard: no Kafka; the runtime feeds it.
        .target(
            name: "SluiceTelemetry",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceKafka", "SluiceCore", "SluiceRuntime", "SluiceModels", "SluiceMonitoring", "SluiceTelemetry", "CRDKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strictness
        ),

        .testTarget(name: "SluiceKafkaTests", dependencies: ["SluiceKafka", "CRDKafka"], swiftSettings: strictness),
        .testTarget(
            name: "SluiceCoreTests",
            dependencies: ["SluiceCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictness),
        .testTarget(name: "SluiceOperatorsTests", dependencies: ["SluiceOperators"], swiftSettings: strictness),
        .testTarget(
            name: "SluiceModelsTests", dependencies: ["SluiceModels"], exclude: ["Fixtures"],
            swiftSettings: strictness),
        .testTarget(
            name: "SluiceMonitoringTests", dependencies: ["SluiceMonitoring"], exclude: ["Fixtures"],
            swiftSettings: strictness),
        .testTarget(
            name: "SluiceRuntimeTests", dependencies: ["SluiceRuntime", "SluiceKafka", "SluiceCore"],
            swiftSettings: strictness),
        .testTarget(
            name: "SluiceTelemetryTests",
            dependencies: [
                "SluiceTelemetry",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictness),
        .testTarget(
            name: "SluiceCLITests",
            dependencies: [
                "sluice", "SluiceKafka", "SluiceCore", "SluiceRuntime", "SluiceMonitoring", "SluiceTelemetry",
            ],
            swiftSettings: strictness),
    ],
    swiftLanguageModes: [.v6]
)
