#!/usr/bin/env bash
# kafka-run-class.sh <main class> [args]: the JVM on Kafka's classpath, as the official
# scripts run it (heap from KAFKA_HEAP_OPTS, logging from KAFKA_LOG4J_OPTS).
set -euo pipefail
base=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
class=${1:?usage: kafka-run-class.sh <main class> [args]}
shift
# shellcheck disable=SC2086
exec java ${KAFKA_HEAP_OPTS:--Xmx256M} ${KAFKA_JVM_PERFORMANCE_OPTS:-} \
  ${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base/config/tools-log4j2.yaml} ${KAFKA_OPTS:-} \
  -cp "$base/libs/*" "$class" "$@"
