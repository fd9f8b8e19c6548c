#!/usr/bin/env bash
# Checks the Collector and Jaeger configs with the real binaries (built or taken from the cache by
# scripts/build-otel-binaries.sh):
#   1. otelcol validate: otel-collector/config.yaml alone, then merged with otel-collector/sentry.yaml
#      (with placeholder Sentry variables: validation only, nothing is sent); jaeger validate;
#   2. smoke start of the Collector (base config) and of Jaeger on free 127.0.0.1 ports: each must report
#      healthy, and Jaeger's query API must answer /api/services; both are stopped afterwards.
# Exits non-zero, with one line saying what failed, on the first failure.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
collector_config="$repo_root/otel-collector/config.yaml"
sentry_overlay="$repo_root/otel-collector/sentry.yaml"
jaeger_config="$repo_root/jaeger/config.yaml"
start_timeout_s=${OTEL_VALIDATE_START_TIMEOUT_S:-30}

log() { printf 'validate-otel-config: %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

command -v curl >/dev/null 2>&1 || fail "curl is not on PATH"
command -v python3 >/dev/null 2>&1 || fail "python3 is not on PATH (used to pick free ports)"

paths=$("$repo_root/scripts/build-otel-binaries.sh") || fail "could not build or find the binaries"
otelcol=$(sed -n 's/^otelcol=//p' <<<"$paths")
jaeger=$(sed -n 's/^jaeger=//p' <<<"$paths")
[[ -x $otelcol && -x $jaeger ]] || fail "build script did not print usable otelcol=/jaeger= paths"

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/procode-otel-validate.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work_dir"
}
trap cleanup EXIT

# --- 1. static validation -------------------------------------------------------------------------
log "otelcol validate: config.yaml"
"$otelcol" validate --config "$collector_config" >"$work_dir/validate-base.log" 2>&1 ||
  { cat "$work_dir/validate-base.log" >&2; fail "otel-collector/config.yaml is invalid"; }

log "otelcol validate: config.yaml + sentry.yaml"
SENTRY_OTLP_TRACES_ENDPOINT=http://127.0.0.1:9/api/1/integration/otlp/v1/traces \
SENTRY_OTLP_LOGS_ENDPOINT=http://127.0.0.1:9/api/1/integration/otlp/v1/logs \
SENTRY_OTLP_PUBLIC_KEY=validate-placeholder \
  "$otelcol" validate --config "$collector_config" --config "$sentry_overlay" >"$work_dir/validate-sentry.log" 2>&1 ||
  { cat "$work_dir/validate-sentry.log" >&2; fail "config.yaml merged with sentry.yaml is invalid"; }

log "jaeger validate: jaeger/config.yaml"
"$jaeger" validate --config "$jaeger_config" >"$work_dir/validate-jaeger.log" 2>&1 ||
  { cat "$work_dir/validate-jaeger.log" >&2; fail "jaeger/config.yaml is invalid"; }

# --- 2. smoke starts on free ports ---------------------------------------------------------------
# Bind-and-release on 127.0.0.1:0; the kernel does not hand the same ports out again immediately.
read -r -a ports < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(11)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()
')

# wait_http URL PID NAME: poll until URL answers 200, the process dies, or the timeout passes.
wait_http() {
  local url=$1 pid=$2 name=$3 deadline=$((SECONDS + start_timeout_s))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 1
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    sleep 0.3
  done
  log "$name did not answer $url within ${start_timeout_s}s"
  return 1
}

log "smoke start: Jaeger"
JAEGER_OTLP_GRPC_ENDPOINT=127.0.0.1:${ports[0]} \
JAEGER_OTLP_HTTP_ENDPOINT=127.0.0.1:${ports[1]} \
JAEGER_QUERY_HTTP_ENDPOINT=127.0.0.1:${ports[2]} \
JAEGER_QUERY_GRPC_ENDPOINT=127.0.0.1:${ports[3]} \
JAEGER_HEALTH_ENDPOINT=127.0.0.1:${ports[4]} \
JAEGER_TELEMETRY_PORT=${ports[5]} \
  "$jaeger" --config "$jaeger_config" >"$work_dir/jaeger.log" 2>&1 &
jaeger_pid=$!
pids+=("$jaeger_pid")
if ! wait_http "http://127.0.0.1:${ports[4]}/status" "$jaeger_pid" Jaeger ||
   ! wait_http "http://127.0.0.1:${ports[2]}/api/services" "$jaeger_pid" "Jaeger query API"; then
  tail -n 30 "$work_dir/jaeger.log" >&2
  fail "Jaeger did not start healthy with jaeger/config.yaml"
fi

log "smoke start: Collector"
COLLECTOR_OTLP_GRPC_ENDPOINT=127.0.0.1:${ports[6]} \
COLLECTOR_OTLP_HTTP_ENDPOINT=127.0.0.1:${ports[7]} \
COLLECTOR_PROMETHEUS_ENDPOINT=127.0.0.1:${ports[8]} \
COLLECTOR_HEALTH_ENDPOINT=127.0.0.1:${ports[9]} \
COLLECTOR_TELEMETRY_PORT=${ports[10]} \
COLLECTOR_STORAGE_DIR="$work_dir/storage" \
JAEGER_OTLP_GRPC_ENDPOINT=127.0.0.1:${ports[0]} \
  "$otelcol" --config "$collector_config" >"$work_dir/otelcol.log" 2>&1 &
otelcol_pid=$!
pids+=("$otelcol_pid")
if ! wait_http "http://127.0.0.1:${ports[9]}/" "$otelcol_pid" Collector ||
   ! wait_http "http://127.0.0.1:${ports[10]}/metrics" "$otelcol_pid" "Collector telemetry"; then
  tail -n 30 "$work_dir/otelcol.log" >&2
  fail "the Collector did not start healthy with otel-collector/config.yaml"
fi

log "OK: both configs validate and both binaries start healthy"
