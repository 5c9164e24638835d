#!/usr/bin/env bash
# Creates the compose stack's topics on its Kafka, then lists them. Runs in the apache/kafka image once Kafka
# is healthy; a topic that already exists is left as it is (its partition count included), so a restart of the
# stack changes nothing.
#
#   BOOTSTRAP_SERVERS  Kafka to create them on
#   PARTITIONS         partitions of each topic: the source's count caps how many Sluice processes share the work,
#                      and a window-state changelog needs at least as many as the source
#   TOPICS             space-separated names, created with the broker's default cleanup policy (delete)
#   COMPACTED_TOPICS   space-separated names, created compacted: window-state changelogs, where only the latest
#                      record per key matters and restoring a partition reads what compaction left
set -euo pipefail

: "${BOOTSTRAP_SERVERS:?BOOTSTRAP_SERVERS must name the Kafka to create topics on}"
: "${PARTITIONS:?PARTITIONS must give the partition count}"

kafka_topics() {
    /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP_SERVERS" "$@"
}

for topic in ${TOPICS:-}; do
    kafka_topics --create --if-not-exists --topic "$topic" --partitions "$PARTITIONS" --replication-factor 1
done

# Changelog records younger than a minute are never compacted away: well above the default 10 s state flush
# interval, so a restore always finds the latest flush of every key.
for topic in ${COMPACTED_TOPICS:-}; do
    kafka_topics --create --if-not-exists --topic "$topic" --partitions "$PARTITIONS" --replication-factor 1 \
        --config cleanup.policy=compact --config min.compaction.lag.ms=60000
done

kafka_topics --list
