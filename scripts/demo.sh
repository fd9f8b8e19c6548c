#!/usr/bin/env bash
# The README's first command: the reference agent service with its remote agents, a private PostgreSQL and
# the traffic generator, all on this machine; prints where to look; Ctrl-C (or SIGTERM) stops everything.
#   bash scripts/demo.sh [--no-stack] [--no-load] [--load-duration 30m] [--rps 4] [--port 8080]
# It also starts the telemetry backends (Jaeger, Alertmanager, Collector, Prometheus; the Collector and Jaeger
# are built from the Go module proxy once, then cached); --no-stack leaves them out (the service then serves
# its own /metrics). See service/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bootstrap.sh
stack=1
for arg in "$@"; do [[ $arg == --no-stack ]] && stack=0; done
if [[ $stack == 1 ]]; then procode_otel_binaries; fi
npm run --silent build
# exec: Ctrl-C and SIGTERM reach the orchestrator itself, which stops what it started.
exec node build/service/demo.js "$@"
