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
}
