import Foundation
import SluiceCore
import Testing
import Yams

/// The files under `deploy/` — compose stack, Kubernetes manifests, alert rules, Grafana dashboard — read as the
/// tools that consume them would, and checked against the program: every metric they query is a family
/// docs/metrics.md lists (which `MetricsReferenceTests` holds to what `/metrics` exports), every `sluice` option
/// they pass is one the command declares, every file they mount or list exists, and the endpoint never listens
/// beyond loopback without an admin token. Docker, Kubernetes and Prometheus are not needed;
/// `deploy/validate.sh` adds promtool and schema checks where those tools are installed.
@Suite struct DeployFilesTests {
    @Test func everyYAMLFileUnderDeployParses() throws {
        let files = try DeployTree.files(withExtensions: ["yaml", "yml"])
        #expect(files.count >= 10, "found only \(files.map(\.lastPathComponent))")
        for file in files {
            let documents = try DeployTree.yamlDocuments(file)
            #expect(!documents.isEmpty, "\(DeployTree.relative(file)) holds no YAML document")
            for document in documents {
                #expect(document is [String: Any], "\(DeployTree.relative(file)): a document that is not a mapping")
            }
        }
    }

    @Test func composeRunsKafkaInKRaftModeWithSluicePrometheusAndGrafana() throws {
        let compose = try ComposeFile()
        for name in ["kafka", "kafka-topics", "sluice", "prometheus", "grafana"] {
            #expect(compose.services[name] != nil, "compose.yaml has no service \(name)")
        }
        let kafka = try compose.service("kafka")
        #expect((kafka["image"] as? String)?.hasPrefix("apache/kafka:3.") == true)
        let roles = try compose.environment(of: "kafka")["KAFKA_PROCESS_ROLES"]
        #expect(roles.map { Set($0.split(separator: ",")) } == ["broker", "controller"])

        for name in ["sluice", "generator"] {
            let build = try #require(try compose.service(name)["build"] as? [String: Any])
            let context = compose.directory.appending(path: try #require(build["context"] as? String))
            let dockerfile = context.appending(path: try #require(build["dockerfile"] as? String))
            #expect(FileManager.default.fileExists(atPath: dockerfile.path), "\(name) builds from \(dockerfile.path)")
            #expect(context.standardizedFileURL.path == DeployTree.root.standardizedFileURL.path)
        }

        // Every file or directory a service mounts from the repository exists.
        for (name, service) in compose.services {
            for volume in (service["volumes"] as? [String]) ?? [] where volume.hasPrefix(".") {
                let source = String(volume.prefix { $0 != ":" })
                let url = compose.directory.appending(path: source)
                #expect(FileManager.default.fileExists(atPath: url.path), "\(name) mounts \(source), which is missing")
            }
        }
    }

    @Test func composeCreatesEveryTopicTheGeneratorWrites() throws {
        let compose = try ComposeFile()
        let created = try compose.createdTopics()
        let command = try compose.command(of: "generator")
        #expect(command.first == "generate")
        let topic = try #require(command.dropFirst().first)
        #expect(created.all.contains(topic), "the generator writes \(topic), which kafka-topics does not create")
        if let labels = option("--labels-topic", in: command) {
            #expect(created.all.contains(labels), "the generator writes labels to \(labels), which is not created")
        }
    }

    /// The topology compose runs by default is added to topologies/ separately; until it is there, this is skipped.
    @Test(.enabled(if: ComposeFile.defaultTopologyExists, "compose's default topology is not in topologies/ yet"))
    func composeCreatesEveryTopicOfItsDefaultTopology() throws {
        let compose = try ComposeFile()
        let topology = try TopologyLoader.load(file: try compose.defaultTopology().path)
        let created = try compose.createdTopics()
        var needed = topology.sinks.topicsByRole.filter { $0.role != "changelog" }.map(\.topic)
        needed.append(topology.source.topic)
        if let labels = topology.labels?.topic { needed.append(labels) }
        for topic in needed {
            #expect(created.all.contains(topic), "\(topology.name) uses \(topic); add it to SLUICE_TOPICS")
        }
        if let changelog = topology.sinks.changelog {
            #expect(
                created.compacted.contains(changelog),
                "\(topology.name) keeps window state in \(changelog); add it to SLUICE_COMPACTED_TOPICS")
        }
    }

    /// The program refuses to serve its admin API beyond loopback without a token; a manifest that asked for that
    /// would start a container that exits at once.
    @Test func everyEndpointBeyondLoopbackHasAnAdminToken() throws {
        let compose = try ComposeFile()
        let command = try compose.command(of: "sluice")
        #expect(option("--telemetry-host", in: command) == "0.0.0.0")
        let token = try compose.environment(of: "sluice")["SLUICE_ADMIN_TOKEN"]
        #expect(token.map { !$0.isEmpty } == true || option("--admin-token", in: command) != nil)

        let container = try KubernetesManifests().sluiceContainer()
        let arguments = try #require(container["args"] as? [String])
        #expect(option("--telemetry-host", in: arguments) == "0.0.0.0")
        let environment = try #require(container["env"] as? [[String: Any]])
        let tokenVariable = try #require(environment.first { $0["name"] as? String == "SLUICE_ADMIN_TOKEN" })
        let secretReference = (tokenVariable["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any]
        #expect(
            secretReference?["name"] as? String == "sluice-admin-token" && secretReference?["key"] as? String == "token"
        )
    }

    @Test func sluiceOptionsInManifestsAreOptionsTheCommandDeclares() throws {
        let compose = try ComposeFile()
        var invocations = [try compose.command(of: "sluice"), try compose.command(of: "generator")]
        let container = try KubernetesManifests().sluiceContainer()
        invocations.append(try #require(container["args"] as? [String]))
        let sourceFiles = ["run": "RunCommand.swift", "generate": "GenerateCommand.swift"]
        for arguments in invocations {
            let subcommand = try #require(arguments.first)
            let file = try #require(sourceFiles[subcommand], "no source file known for `sluice \(subcommand)`")
            let declared = try CommandOptions.declared(in: DeployTree.root.appending(path: "Sources/sluice/\(file)"))
            #expect(declared.contains("--brokers"), "the option scan of \(file) found \(declared.sorted())")
            for argument in arguments where argument.hasPrefix("--") {
                let name = String(argument.prefix { $0 != "=" })
                #expect(declared.contains(name), "`sluice \(subcommand)` has no option \(name)")
            }
        }
    }

    @Test func prometheusScrapesSluiceAndLoadsTheMountedRules() throws {
        let compose = try ComposeFile()
        let configuration = try DeployTree.yamlMapping("compose/prometheus.yml")
        let jobs = try #require(configuration["scrape_configs"] as? [[String: Any]])
        let sluice = try #require(jobs.first { $0["job_name"] as? String == "sluice" })
        let discovery = try #require((sluice["dns_sd_configs"] as? [[String: Any]])?.first)
        #expect(discovery["names"] as? [String] == ["sluice"] && discovery["port"] as? Int == 9464)

        let ruleFiles = try #require(configuration["rule_files"] as? [String])
        let rulesMount = try #require(try compose.mountTarget(of: "../prometheus/alerts.yaml", in: "prometheus"))
        #expect(
            ruleFiles.contains { pattern in
                let directory = (pattern as NSString).deletingLastPathComponent
                return (rulesMount as NSString).deletingLastPathComponent == directory
                    && rulesMount.hasSuffix((pattern as NSString).pathExtension)
            }, "rule_files \(ruleFiles) do not pick up \(rulesMount)")
    }

    @Test func grafanaLoadsTheMountedDashboardFromProvisioning() throws {
        let compose = try ComposeFile()
        let provider = try DeployTree.yamlMapping("compose/grafana/provisioning/dashboards/sluice.yaml")
        let providers = try #require(provider["providers"] as? [[String: Any]])
        let path = try #require((providers.first?["options"] as? [String: Any])?["path"] as? String)
        let dashboardMount = try #require(
            try compose.mountTarget(of: "../grafana/sluice-dashboard.json", in: "grafana"))
        #expect((dashboardMount as NSString).deletingLastPathComponent == path)
        #expect(try compose.mountTarget(of: "./grafana/provisioning", in: "grafana") == "/etc/grafana/provisioning")
    }

    @Test func deploymentProbesReadinessAndLivenessOnPort9464() throws {
        let kubernetes = try KubernetesManifests()
        let container = try kubernetes.sluiceContainer()
        let ports = try #require(container["ports"] as? [[String: Any]])
        let http = try #require(ports.first { $0["containerPort"] as? Int == 9464 })
        let portName = try #require(http["name"] as? String)

        for (probe, path) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
            let get = try #require((container[probe] as? [String: Any])?["httpGet"] as? [String: Any], "no \(probe)")
            #expect(get["path"] as? String == path)
            #expect(get["port"] as? String == portName || get["port"] as? Int == 9464)
        }
        let arguments = try #require(container["args"] as? [String])
        #expect(arguments.prefix(2) == ["run", "/etc/sluice/topology.yaml"])
        #expect(option("--telemetry-port", in: arguments) == "9464")
        let resources = try #require(container["resources"] as? [String: Any])
        #expect(resources["requests"] is [String: Any] && resources["limits"] is [String: Any])

        // The topology file comes from the ConfigMap kustomize generates.
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        let topologyMount = try #require(mounts.first { $0["mountPath"] as? String == "/etc/sluice/topology.yaml" })
        let volumes = try #require(try kubernetes.podSpec()["volumes"] as? [[String: Any]])
        let volume = try #require(volumes.first { $0["name"] as? String == topologyMount["name"] as? String })
        let configMap = (volume["configMap"] as? [String: Any])?["name"] as? String
        let generated = try kubernetes.kustomization("kustomization.yaml")["configMapGenerator"] as? [[String: Any]]
        #expect(generated?.contains { $0["name"] as? String == configMap } == true)
    }

    @Test func serviceExposesPort9464ToPrometheus() throws {
        let kubernetes = try KubernetesManifests()
        let service = try kubernetes.resource(kind: "Service")
        let spec = try #require(service["spec"] as? [String: Any])
        let port = try #require((spec["ports"] as? [[String: Any]])?.first)
        #expect(port["port"] as? Int == 9464)
        let containerPorts = try #require(try kubernetes.sluiceContainer()["ports"] as? [[String: Any]])
        #expect(containerPorts.contains { $0["name"] as? String == port["targetPort"] as? String })

        let annotations = try #require((service["metadata"] as? [String: Any])?["annotations"] as? [String: String])
        #expect(annotations["prometheus.io/scrape"] == "true" && annotations["prometheus.io/port"] == "9464")
        #expect(annotations["prometheus.io/path"] == "/metrics")

        let selector = try #require(spec["selector"] as? [String: String])
        let template = try #require(try kubernetes.deployment()["spec"] as? [String: Any])["template"] as? [String: Any]
        let podLabels = try #require((template?["metadata"] as? [String: Any])?["labels"] as? [String: String])
        #expect(selector.allSatisfy { podLabels[$0.key] == $0.value })
    }

    @Test func kustomizationsListOnlyFilesThatExist() throws {
        let kubernetes = try KubernetesManifests()
        for path in KubernetesManifests.kustomizations {
            let kustomization = try kubernetes.kustomization(path)
            let directory = kubernetes.directory.appending(path: (path as NSString).deletingLastPathComponent)
            var listed = (kustomization["resources"] as? [String]) ?? []
            for generator in (kustomization["configMapGenerator"] as? [[String: Any]]) ?? [] {
                listed += (generator["files"] as? [String]) ?? []
            }
            #expect(!listed.isEmpty, "\(path) lists nothing")
            for entry in listed {
                let url = directory.appending(path: entry)
                #expect(FileManager.default.fileExists(atPath: url.path), "\(path) lists \(entry), which is missing")
            }
        }
    }

    @Test func kubernetesTopologyIsTheRepositorysAndLoads() throws {
        let kubernetes = try KubernetesManifests()
        let mounted = try String(contentsOf: kubernetes.topologyFile, encoding: .utf8)
        let original = try String(
            contentsOf: DeployTree.root.appending(path: "topologies/transactions-validate.yaml"),
            encoding: .utf8)
        #expect(
            mounted == original, "deploy/kubernetes/topology.yaml differs from topologies/transactions-validate.yaml")
        let topology = try TopologyLoader.load(file: kubernetes.topologyFile.path)
        #expect(topology.source.topic == "transactions")
    }

    @Test func autoscalersScaleOnConsumerLagOfTheSourceTopic() throws {
        let kubernetes = try KubernetesManifests()
        let sourceTopic = try TopologyLoader.load(file: kubernetes.topologyFile.path).source.topic

        let autoscaler = try kubernetes.resource(kind: "HorizontalPodAutoscaler")
        let spec = try #require(autoscaler["spec"] as? [String: Any])
        let external = try #require((spec["metrics"] as? [[String: Any]])?.first?["external"] as? [String: Any])
        let metric = try #require(external["metric"] as? [String: Any])
        #expect(metric["name"] as? String == "sluice_consumer_lag")
        let selector = (metric["selector"] as? [String: Any])?["matchLabels"] as? [String: String]
        #expect(selector?["topic"] == sourceTopic)
        let target = (spec["scaleTargetRef"] as? [String: Any])?["name"] as? String
        #expect(target == (try kubernetes.deployment()["metadata"] as? [String: Any])?["name"] as? String)
        let maximum = try #require(spec["maxReplicas"] as? Int)
        #expect(maximum >= (spec["minReplicas"] as? Int ?? 1))

        let adapter = try kubernetes.mapping("autoscaling/prometheus-adapter/prometheus-adapter-values.yaml")
        let rules = try #require((adapter["rules"] as? [String: Any])?["external"] as? [[String: Any]])
        #expect(rules.contains { ($0["name"] as? [String: Any])?["as"] as? String == "sluice_consumer_lag" })

        let scaledObject = try kubernetes.resource(kind: "ScaledObject")
        let scaledSpec = try #require(scaledObject["spec"] as? [String: Any])
        #expect(scaledSpec["maxReplicaCount"] as? Int == maximum)
        let trigger = try #require((scaledSpec["triggers"] as? [[String: Any]])?.first)
        #expect(trigger["type"] as? String == "prometheus")
        let query = try #require((trigger["metadata"] as? [String: Any])?["query"] as? String)
        #expect(query.contains("sluice_consumer_lag") && query.contains("topic=\"\(sourceTopic)\""))

        let expressions = [query] + rules.compactMap { $0["seriesQuery"] as? String }
        let undocumented = try MetricFamilies.undocumented(in: expressions)
        #expect(undocumented.isEmpty, "metric families not in docs/metrics.md: \(undocumented)")
    }

    @Test func alertRulesAreCompleteAndUseOnlyDocumentedMetrics() throws {
        let file = try DeployTree.yamlMapping("prometheus/alerts.yaml")
        let groups = try #require(file["groups"] as? [[String: Any]])
        #expect(!groups.isEmpty)
        var names: [String] = []
        var expressions: [String] = []
        for group in groups {
            let rules = try #require(group["rules"] as? [[String: Any]], "group \(group["name"] ?? "?") has no rules")
            #expect(!rules.isEmpty)
            for rule in rules {
                let name = try #require(rule["alert"] as? String, "a rule without an alert name")
                names.append(name)
                let expression = try #require(rule["expr"] as? String, "\(name) has no expr")
                expressions.append(expression)
                #expect((rule["for"] as? String).map { !$0.isEmpty } == true, "\(name) has no `for`")
                let severity = (rule["labels"] as? [String: Any])?["severity"] as? String
                #expect(severity == "warning" || severity == "critical", "\(name) severity \(severity ?? "missing")")
                let annotations = rule["annotations"] as? [String: Any]
                #expect((annotations?["summary"] as? String).map { !$0.isEmpty } == true, "\(name) has no summary")
                #expect(
                    (annotations?["description"] as? String).map { !$0.isEmpty } == true, "\(name) has no description")
            }
        }
        #expect(Set(names).count == names.count, "alert names repeat: \(names)")
        for expected in [
            "SluiceInstanceDown", "SluiceConsumerLagHigh", "SluiceConsumerLagGrowing",
            "SluiceDeadLetterRateHigh", "SluiceDriftAlertRaised", "SluiceFeatureDriftHigh",
            "SluiceShadowAgreementLow",
        ] {
            #expect(names.contains(expected), "no alert \(expected)")
        }
        let undocumented = try MetricFamilies.undocumented(in: expressions)
        #expect(undocumented.isEmpty, "metric families not in docs/metrics.md: \(undocumented)")
    }

    @Test func dashboardHasPanelsAndUsesOnlyDocumentedMetrics() throws {
        let data = try Data(contentsOf: DeployTree.deploy.appending(path: "grafana/sluice-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((dashboard["schemaVersion"] as? Int ?? 0) >= 36)
        let variables = try #require((dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]])
        let datasource = try #require(variables.first { $0["name"] as? String == "datasource" })
        #expect(datasource["type"] as? String == "datasource" && datasource["query"] as? String == "prometheus")

        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let charts = panels.filter { $0["type"] as? String != "row" }
        #expect(charts.count >= 12)
        let ids = panels.compactMap { $0["id"] as? Int }
        #expect(ids.count == panels.count && Set(ids).count == ids.count, "panel ids must be present and unique")

        var expressions: [String] = []
        for panel in charts {
            let title = panel["title"] as? String ?? "?"
            let source = panel["datasource"] as? [String: Any]
            #expect(source?["uid"] as? String == "${datasource}", "\(title) does not use the datasource variable")
            let grid = try #require(panel["gridPos"] as? [String: Int], "\(title) has no gridPos")
            #expect((grid["x"] ?? 0) + (grid["w"] ?? 0) <= 24, "\(title) is wider than the grid")
            let targets = try #require(panel["targets"] as? [[String: Any]], "\(title) has no targets")
            let panelExpressions = targets.compactMap { $0["expr"] as? String }
            #expect(!panelExpressions.isEmpty, "\(title) queries nothing")
            expressions += panelExpressions
        }
        for variable in variables {
            if let query = (variable["query"] as? [String: Any])?["query"] as? String { expressions.append(query) }
        }

        // The families the operator asked to see, each on some panel.
        let families = try MetricFamilies.used(in: expressions)
        for family in [
            "sluice_events_consumed_total", "sluice_events_produced_total", "sluice_end_to_end_latency_seconds",
            "sluice_model_latency_seconds", "sluice_consumer_lag", "sluice_dead_letters_total",
            "sluice_drift_statistic", "sluice_drift_alerts_total", "sluice_shadow_agreement_ratio",
            "sluice_inflight_events", "sluice_partitions_assigned", "sluice_rebalances_total",
        ] {
            #expect(families.contains(family), "no panel shows \(family)")
        }
        let undocumented = try MetricFamilies.undocumented(in: expressions)
        #expect(undocumented.isEmpty, "metric families not in docs/metrics.md: \(undocumented)")
    }
}

/// The value following `name` in an argument list (`--name value` or `--name=value`).
private func option(_ name: String, in arguments: [String]) -> String? {
    for (index, argument) in arguments.enumerated() {
        if argument == name, index + 1 < arguments.count { return arguments[index + 1] }
        if argument.hasPrefix(name + "=") { return String(argument.dropFirst(name.count + 1)) }
    }
    return nil
}

/// The repository's `deploy/` directory and how to read its files.
private enum DeployTree {
    /// The repository root: this file is Tests/SluiceCoreTests/DeployFilesTests.swift.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let deploy = root.appending(path: "deploy")

    static func relative(_ url: URL) -> String {
        String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
    }

    static func files(withExtensions extensions: Set<String>) throws -> [URL] {
        let enumerator = try #require(FileManager.default.enumerator(at: deploy, includingPropertiesForKeys: nil))
        return enumerator.compactMap { $0 as? URL }.filter { extensions.contains($0.pathExtension) }
            .sorted { $0.path < $1.path }
    }

    /// Every document of a YAML file (`---` separates them); a syntax error anywhere throws.
    static func yamlDocuments(_ url: URL) throws -> [Any] {
        var sequence = try Yams.load_all(yaml: String(contentsOf: url, encoding: .utf8))
        var documents: [Any] = []
        while let document = sequence.next() { documents.append(document) }
        if let error = sequence.error { throw error }
        return documents
    }

    /// The one mapping a YAML file under deploy/ holds.
    static func yamlMapping(_ path: String) throws -> [String: Any] {
        let documents = try yamlDocuments(deploy.appending(path: path))
        #expect(documents.count == 1, "\(path) should hold one document")
        return try #require(documents.first as? [String: Any], "\(path) is not a mapping")
    }
}

/// deploy/compose/compose.yaml.
private struct ComposeFile {
    static let directory = DeployTree.deploy.appending(path: "compose")
    var directory: URL { Self.directory }
    let services: [String: [String: Any]]

    init() throws {
        let file = try DeployTree.yamlMapping("compose/compose.yaml")
        services = try #require(file["services"] as? [String: [String: Any]], "compose.yaml has no services")
    }

    func service(_ name: String) throws -> [String: Any] {
        try #require(services[name], "compose.yaml has no service \(name)")
    }

    func command(of name: String) throws -> [String] {
        try #require(try service(name)["command"] as? [String], "\(name) has no command list")
    }

    func environment(of name: String) throws -> [String: String] {
        let environment = try #require(try service(name)["environment"] as? [String: Any], "\(name) has no environment")
        return environment.compactMapValues { $0 as? String ?? ($0 as? Int).map(String.init) }
    }

    /// Where `source` is mounted in the service's container.
    func mountTarget(of source: String, in name: String) throws -> String? {
        for volume in (try service(name)["volumes"] as? [String]) ?? [] {
            let parts = volume.split(separator: ":").map(String.init)
            if parts.count >= 2, parts[0] == source { return parts[1] }
        }
        return nil
    }

    /// The topics kafka-topics creates when no variable overrides them.
    func createdTopics() throws -> (all: Set<String>, compacted: Set<String>) {
        let environment = try environment(of: "kafka-topics")
        let plain = Self.defaultValue(of: try #require(environment["TOPICS"]))
        let compacted = Self.defaultValue(of: try #require(environment["COMPACTED_TOPICS"]))
        let compactedSet = Set(compacted.split(separator: " ").map(String.init))
        return (Set(plain.split(separator: " ").map(String.init)).union(compactedSet), compactedSet)
    }

    /// The topologies/ file the sluice service runs unless SLUICE_TOPOLOGY says otherwise.
    func defaultTopology() throws -> URL {
        let path = try #require(try command(of: "sluice").dropFirst().first)
        let name = Self.defaultValue(of: String(path.dropFirst("/etc/sluice/".count)))
        return DeployTree.root.appending(path: "topologies/\(name)")
    }

    static var defaultTopologyExists: Bool {
        guard let compose = try? ComposeFile(), let topology = try? compose.defaultTopology() else { return false }
        return FileManager.default.fileExists(atPath: topology.path)
    }

    /// `${NAME:-default}` → `default`; anything else as it is.
    static func defaultValue(of text: String) -> String {
        guard text.hasPrefix("${"), text.hasSuffix("}"), let separator = text.range(of: ":-") else { return text }
        return String(text[separator.upperBound..<text.index(before: text.endIndex)])
    }
}

/// deploy/kubernetes/: the base and the autoscaling overlays.
private struct KubernetesManifests {
    static let kustomizations = [
        "kustomization.yaml", "autoscaling/prometheus-adapter/kustomization.yaml",
        "autoscaling/keda/kustomization.yaml",
    ]
    static let directory = DeployTree.deploy.appending(path: "kubernetes")
    /// The topology the ConfigMap generator packs.
    static let topologyFile = directory.appending(path: "topology.yaml")
    var directory: URL { Self.directory }
    var topologyFile: URL { Self.topologyFile }
    /// Every Kubernetes object (a mapping with `kind`) in any file under deploy/kubernetes/.
    let resources: [[String: Any]]

    init() throws {
        var resources: [[String: Any]] = []
        let enumerator = try #require(
            FileManager.default.enumerator(at: Self.directory, includingPropertiesForKeys: nil))
        for case let url as URL in enumerator
        where url.pathExtension == "yaml" && url.lastPathComponent != "topology.yaml" {
            for document in try DeployTree.yamlDocuments(url) {
                if let object = document as? [String: Any], let kind = object["kind"] as? String,
                    kind != "Kustomization"
                {
                    resources.append(object)
                }
            }
        }
        self.resources = resources
    }

    func resource(kind: String) throws -> [String: Any] {
        let matching = resources.filter { $0["kind"] as? String == kind }
        #expect(matching.count == 1, "expected one \(kind), found \(matching.count)")
        return try #require(matching.first, "no \(kind) under deploy/kubernetes")
    }

    func deployment() throws -> [String: Any] { try resource(kind: "Deployment") }

    func podSpec() throws -> [String: Any] {
        let template = (try deployment()["spec"] as? [String: Any])?["template"] as? [String: Any]
        return try #require(template?["spec"] as? [String: Any], "the Deployment has no pod template spec")
    }

    func sluiceContainer() throws -> [String: Any] {
        let containers = try #require(try podSpec()["containers"] as? [[String: Any]])
        return try #require(containers.first { $0["name"] as? String == "sluice" }, "no container named sluice")
    }

    func kustomization(_ path: String) throws -> [String: Any] {
        try mapping(path)
    }

    func mapping(_ path: String) throws -> [String: Any] {
        try DeployTree.yamlMapping("kubernetes/\(path)")
    }
}

/// Metric families as docs/metrics.md lists them, and the ones a PromQL text uses.
private enum MetricFamilies {
    /// The first column of every table row in docs/metrics.md whose first cell is a `name`.
    static func documented() throws -> Set<String> {
        let text = try String(contentsOf: DeployTree.root.appending(path: "docs/metrics.md"), encoding: .utf8)
        var families = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(3).prefix { $0 != "`" }
            if cell.hasPrefix("sluice_") || cell.hasPrefix("process_") { families.insert(String(cell)) }
        }
        return families
    }

    /// Families named in the expressions; a histogram's `_bucket`, `_sum` and `_count` series count as their family.
    static func used(in expressions: [String]) throws -> Set<String> {
        let documented = try documented()
        let pattern = try NSRegularExpression(pattern: "(?<![A-Za-z0-9_:])(sluice|process)_[a-z_]+")
        var families = Set<String>()
        for expression in expressions {
            let range = NSRange(expression.startIndex..., in: expression)
            for match in pattern.matches(in: expression, range: range) {
                guard let found = Range(match.range, in: expression) else { continue }
                var name = String(expression[found])
                if !documented.contains(name) {
                    for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
                        name = String(name.dropLast(suffix.count))
                    }
                }
                families.insert(name)
            }
        }
        return families
    }

    /// Families the expressions use that docs/metrics.md does not list, sorted.
    static func undocumented(in expressions: [String]) throws -> [String] {
        let documented = try documented()
        #expect(documented.count >= 20, "docs/metrics.md listed only \(documented.sorted())")
        return try used(in: expressions).subtracting(documented).sorted()
    }
}

/// The long options a `sluice` subcommand declares, read from its ArgumentParser source: `--kebab-case` of each
/// `@Option`/`@Flag` property, or its `.customLong` name.
private enum CommandOptions {
    static func declared(in file: URL) throws -> Set<String> {
        let source = try String(contentsOf: file, encoding: .utf8)
        let pattern = try NSRegularExpression(
            pattern: #"@(?:Option|Flag)(?:\((.*?)\))?\s*var\s+(\w+)"#, options: [.dotMatchesLineSeparators])
        var options: Set<String> = ["--help"]
        for match in pattern.matches(in: source, range: NSRange(source.startIndex..., in: source)) {
            let attribute = Range(match.range(at: 1), in: source).map { String(source[$0]) } ?? ""
            let property = try #require(Range(match.range(at: 2), in: source).map { String(source[$0]) })
            if let custom = attribute.firstRange(of: #".customLong(""#) {
                options.insert("--" + attribute[custom.upperBound...].prefix { $0 != "\"" })
            } else {
                options.insert("--" + kebabCase(property))
            }
        }
        return options
    }

    private static func kebabCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                result += "-" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}
