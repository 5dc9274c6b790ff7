// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "recworker",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "recworker", targets: ["Worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.0"),
    ],
    targets: [
        // C libraries, reached only through the thin Swift wrappers below.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibpq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMalloc"),

        .target(name: "KafkaClient", dependencies: ["CRdKafka"]),
        .target(name: "PostgresClient", dependencies: ["CLibpq"]),
        .target(name: "LinearAlgebra", dependencies: ["CBLAS"]),

        // Pure domain logic: no I/O, no C pointers.
        .target(name: "Pipeline", dependencies: ["LinearAlgebra"]),

        .target(name: "Storage", dependencies: [
            "PostgresClient", "Pipeline",
            .product(name: "Logging", package: "swift-log"),
        ], plugins: ["EmbedMigrations"]),
        .executableTarget(name: "EmbedMigrationsTool"),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["EmbedMigrationsTool"]),
        .target(name: "LLMClient", dependencies: [
            "Pipeline",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // A scripted OpenAI-compatible endpoint on loopback: `bench rerank` and the LLM tests both talk to it.
        .target(name: "ScriptedLLMServer", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .executableTarget(name: "Worker", dependencies: [
            "Pipeline", "Storage", "KafkaClient", "LLMClient", "PostgresClient", "CMalloc", "ScriptedLLMServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Yams", package: "Yams"),
        ]),

        .target(name: "TestSupport", dependencies: ["PostgresClient", "Storage", "KafkaClient", "Pipeline", "LinearAlgebra"], path: "Tests/TestSupport"),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "LinearAlgebra"], exclude: ["Golden"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "LLMClientTests", dependencies: ["LLMClient", "Pipeline", "TestSupport", "Storage", "PostgresClient", "ScriptedLLMServer"]),
        .testTarget(name: "WorkerTests", dependencies: [
            "Worker", "TestSupport", "Storage", "PostgresClient", "Pipeline", "LLMClient", "ScriptedLLMServer",
        ]),
        .testTarget(name: "IntegrationTests", dependencies: [
            "KafkaClient", "PostgresClient", "Storage", "Pipeline", "TestSupport", "LinearAlgebra",
            .product(name: "Yams", package: "Yams"),
        ]),
    ]
)
