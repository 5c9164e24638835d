#!/usr/bin/env bash
# Checks everything under deploy/ that can be checked without a container runtime or a cluster.
#
#   deploy/validate.sh            from anywhere; exits non-zero if any check fails
#
# Always: DeployFilesTests (the same Swift test CI runs: YAML and dashboard structure, metric names against
# docs/metrics.md, sluice options against the CLI, paths, topics), JSON syntax of the dashboard, shell syntax.
# When the tool is installed, and reported as skipped when it is not:
#   ShellCheck           (Debian: apt-get install shellcheck)      the shell scripts
#   promtool             (Debian: apt-get install prometheus)      rule syntax, rule unit tests, Prometheus config
#   kubernetes-validate  (PyPI: pip install kubernetes-validate)   manifests against the Kubernetes API schemas
#   docker compose                                                 the compose file as Compose resolves it
#   hadolint                                                       Dockerfile lint
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

failures=0
check() {
    local name=$1
    shift
    if "$@"; then
        echo "ok       $name"
    else
        echo "FAILED   $name"
        failures=$((failures + 1))
    fi
}
skip() {
    echo "skipped  $1 ($2)"
}

swift_test_log=$(mktemp)
if swift build --build-tests > "$swift_test_log" 2>&1 && swift test --skip-build --filter DeployFilesTests \
    > "$swift_test_log" 2>&1; then
    echo "ok       DeployFilesTests"
else
    tail -n 40 "$swift_test_log"
    echo "FAILED   DeployFilesTests"
    failures=$((failures + 1))
fi
rm -f "$swift_test_log"
check "dashboard JSON" python3 -m json.tool deploy/grafana/sluice-dashboard.json /dev/null
check "create-topics.sh syntax" bash -n deploy/compose/create-topics.sh
check "validate.sh syntax" bash -n deploy/validate.sh

if command -v shellcheck > /dev/null; then
    check "shellcheck" shellcheck deploy/validate.sh deploy/compose/create-topics.sh
else
    skip "shellcheck" "apt-get install shellcheck"
fi

if command -v promtool > /dev/null; then
    check "promtool check rules" promtool check rules deploy/prometheus/alerts.yaml
    check "promtool test rules" promtool test rules deploy/prometheus/alerts.test.yaml
    # The compose file mounts the rules at /etc/prometheus/rules/, which does not exist here: check a copy of the
    # configuration whose rule_files point at the repository's file instead.
    scratch=$(mktemp -d)
    sed "s|/etc/prometheus/rules/\*.yaml|$PWD/deploy/prometheus/alerts.yaml|" deploy/compose/prometheus.yml \
        > "$scratch/prometheus.yml"
    check "promtool check config" promtool check config "$scratch/prometheus.yml"
    rm -rf "$scratch"
else
    skip "promtool" "apt-get install prometheus"
fi

if command -v kubernetes-validate > /dev/null; then
    # The ScaledObject is KEDA's own kind, outside the Kubernetes schemas.
    check "kubernetes-validate" kubernetes-validate --strict \
        deploy/kubernetes/namespace.yaml deploy/kubernetes/deployment.yaml deploy/kubernetes/service.yaml \
        deploy/kubernetes/pod-disruption-budget.yaml deploy/kubernetes/admin-token-secret.example.yaml \
        deploy/kubernetes/autoscaling/prometheus-adapter/horizontal-pod-autoscaler.yaml
else
    skip "kubernetes-validate" "pip install kubernetes-validate"
fi

if command -v docker > /dev/null && docker compose version > /dev/null 2>&1; then
    check "docker compose config" docker compose -f deploy/compose/compose.yaml config --quiet
else
    skip "docker compose config" "no docker compose"
fi

if command -v hadolint > /dev/null; then
    check "hadolint" hadolint deploy/Dockerfile
else
    skip "hadolint" "not installed"
fi

if ((failures > 0)); then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks that could run passed"
