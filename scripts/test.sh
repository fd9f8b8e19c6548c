#!/usr/bin/env bash
# The whole test suite: installs what it needs, then lint + format check, type-check and build,
# the backend config checks, and every test (unit, process, end-to-end against the real backends).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/node.sh
source scripts/lib/deps.sh
procode_ensure_node
procode_system_deps
procode_npm_deps

# The Collector and Jaeger binaries (built from the Go module proxy once, then cached).
eval "$(bash scripts/build-otel-binaries.sh)"
export PROCODE_OTELCOL_BIN="$otelcol" PROCODE_JAEGER_BIN="$jaeger"

echo "== lint and format (biome)"
npx biome ci .
echo "== type-check and build"
npm run --silent build
echo "== backend config checks"
bash scripts/validate-otel-config.sh
echo "== tests"
node --test --test-reporter=spec --test-concurrency=2 --test-timeout=300000 "build/test/**/*.test.js"
