#!/usr/bin/env bash
# The backends as native processes, for machines without Docker (compose.yaml is the same topology):
#   bash scripts/stack.sh up [--services=postgres,jaeger,alertmanager,collector,prometheus] [--free-ports]
#   bash scripts/stack.sh status
#   bash scripts/stack.sh down
# `up` installs what is missing (Node 24, Debian packages, npm packages), builds the Collector and Jaeger
# (cached) and the project, then starts the servers on 127.0.0.1 (default ports unless --free-ports), waits
# until each is healthy and returns; they keep running. Logs: .run/stack/logs/<service>.log. `down` stops
# exactly what `up` started (PIDs recorded in .run/stack/stack.json). See scripts/stack/cli.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/node.sh
source scripts/lib/deps.sh
procode_ensure_node

if [[ ${1:-} == up ]]; then
  procode_system_deps
  procode_npm_deps
  bins=$(bash scripts/build-otel-binaries.sh)
  otelcol=$(sed -n 's/^otelcol=//p' <<<"$bins")
  jaeger=$(sed -n 's/^jaeger=//p' <<<"$bins")
  export PROCODE_OTELCOL_BIN="$otelcol" PROCODE_JAEGER_BIN="$jaeger"
  npm run --silent build
elif [[ ! -f build/scripts/stack/cli.js ]]; then
  procode_npm_deps
  npm run --silent build
fi
exec node build/scripts/stack/cli.js "$@"
