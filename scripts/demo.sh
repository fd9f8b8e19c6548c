#!/usr/bin/env bash
# The README's first command: the reference agent service with its remote agents, a private PostgreSQL and
# the traffic generator, all on this machine; prints where to look; Ctrl-C (or SIGTERM) stops everything.
#   bash scripts/demo.sh [--stack] [--no-load] [--load-duration 30m] [--rps 4] [--port 8080]
# --stack also starts the telemetry backends (Jaeger, Alertmanager, Collector, Prometheus; the Collector and
# Jaeger are built from the Go module proxy once, then cached). See service/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/node.sh
source scripts/lib/deps.sh
procode_ensure_node
procode_system_deps
procode_npm_deps
for arg in "$@"; do
  if [[ $arg == --stack ]]; then
    bins=$(bash scripts/build-otel-binaries.sh)
    PROCODE_OTELCOL_BIN=$(sed -n 's/^otelcol=//p' <<<"$bins")
    PROCODE_JAEGER_BIN=$(sed -n 's/^jaeger=//p' <<<"$bins")
    export PROCODE_OTELCOL_BIN PROCODE_JAEGER_BIN
  fi
done
npm run --silent build
# exec: Ctrl-C and SIGTERM reach the orchestrator itself, which stops what it started.
exec node build/service/demo.js "$@"
