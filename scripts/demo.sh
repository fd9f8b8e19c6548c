#!/usr/bin/env bash
# The README's first command: the reference agent service with its remote agents, a private PostgreSQL and
# the traffic generator, all on this machine; prints where to look; Ctrl-C (or SIGTERM) stops everything.
#   bash scripts/demo.sh [--no-stack] [--no-load] [--load-duration 30m] [--rps 4] [--port 8080]
# It also starts the telemetry backends (Jaeger, Alertmanager, Collector, Prometheus; the Collector and Jaeger
# are built from the Go module proxy once, then cached); --no-stack leaves them out (the service then serves
# its own /metrics). See service/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/node.sh
source scripts/lib/deps.sh
procode_ensure_node
procode_system_deps
procode_npm_deps
stack=1
for arg in "$@"; do [[ $arg == --no-stack ]] && stack=0; done
if [[ $stack == 1 ]]; then
  bins=$(bash scripts/build-otel-binaries.sh)
  PROCODE_OTELCOL_BIN=$(sed -n 's/^otelcol=//p' <<<"$bins")
  PROCODE_JAEGER_BIN=$(sed -n 's/^jaeger=//p' <<<"$bins")
  export PROCODE_OTELCOL_BIN PROCODE_JAEGER_BIN
fi
npm run --silent build
# exec: Ctrl-C and SIGTERM reach the orchestrator itself, which stops what it started.
exec node build/service/demo.js "$@"
