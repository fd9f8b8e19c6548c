# Sourced by the README's two commands: a supported Node first on PATH, the Debian packages and npm
# packages installed, and (procode_otel_binaries) the Collector and Jaeger binaries built once, then cached.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/node.sh"
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
procode_ensure_node
procode_system_deps
procode_npm_deps

procode_otel_binaries() {
  local bins
  bins=$(bash scripts/build-otel-binaries.sh) || return 1
  PROCODE_OTELCOL_BIN=$(sed -n 's/^otelcol=//p' <<<"$bins")
  PROCODE_JAEGER_BIN=$(sed -n 's/^jaeger=//p' <<<"$bins")
  export PROCODE_OTELCOL_BIN PROCODE_JAEGER_BIN
}
