import Testing

@testable import SluiceKafka

@Suite struct KafkaConfigurationTests {
    @Test func unknownPropertyFailsWithLibrdkafkasMessage() {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.properties["no.such.property"] = "1"
        #expect {
            _ = try KafkaProducer(configuration: configuration) { _ in }
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.operation == .configuration && error.message.contains("No such configuration property")
                && error.message.contains("no.such.property")
        }
    }

    @Test func invalidValueFailsWithLibrdkafkasMessage() {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: ["127.0.0.1:1"], groupID: "g")
        configuration.properties["fetch.wait.max.ms"] = "not-a-number"
        #expect {
            _ = try KafkaConsumer(configuration: configuration)
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.operation == .configuration && error.message.contains("fetch.wait.max.ms")
                && error.message.contains("Invalid value")
        }
    }

    @Test func typedPropertiesMapToLibrdkafkaNames() {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["a:1", "b:2"])
        configuration.linger = .milliseconds(7)
        configuration.properties["linger.ms"] = "9"
        let properties = configuration.librdkafkaProperties
        #expect(properties.first { $0.name == "bootstrap.servers" }?.value == "a:1,b:2")
        #expect(properties.first { $0.name == "enable.idempotence" }?.value == "true")
        // The raw pass-through is applied last, so it wins over the typed value.
        #expect(properties.last { $0.name == "linger.ms" }?.value == "9")
    }

    @Test func consumerNeverStoresOffsetsByItself() {
        let properties = KafkaConsumerConfiguration(bootstrapServers: ["a:1"], groupID: "g").librdkafkaProperties
        #expect(properties.first { $0.name == "enable.auto.offset.store" }?.value == "false")
    }

    @Test func embeddedClusterConsumersWaitOneMillisecondPerEmptyFetch() throws {
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        let properties = cluster.consumerConfiguration(groupID: "g").librdkafkaProperties
        #expect(properties.first { $0.name == "bootstrap.servers" }?.value == cluster.bootstrapServers)
        #expect(properties.first { $0.name == "group.id" }?.value == "g")
        #expect(properties.last { $0.name == "fetch.wait.max.ms" }?.value == "1")
        // The general default stays for real brokers, which answer a waiting fetch as soon as data arrives.
        let general = KafkaConsumerConfiguration(bootstrapServers: ["a:1"], groupID: "g").librdkafkaProperties
        #expect(general.last { $0.name == "fetch.wait.max.ms" }?.value == "10")
    }
}
