#!/usr/bin/env bash
# The whole test suite: installs what it needs, then lint + format check, type-check and build,
# the backend config checks, and every test (unit, process, end-to-end against the real backends).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bootstrap.sh
# The Collector and Jaeger binaries (built from the Go module proxy once, then cached).
procode_otel_binaries

echo "== lint and format (biome)"
npx biome ci .
echo "== type-check and build"
npm run --silent build
echo "== backend config checks"
bash scripts/validate-otel-config.sh
bash scripts/check-configs.sh
echo "== tests"
node --test --test-reporter=spec --test-concurrency=2 --test-timeout=300000 "build/test/**/*.test.js"
