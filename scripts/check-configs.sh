#!/usr/bin/env bash
# Checks the Prometheus and Alertmanager configuration with the pinned tools (Debian packages prometheus and
# prometheus-alertmanager: promtool 2.42, amtool 0.25; scripts/lib/deps.sh installs them):
#   - promtool check config   prometheus/prometheus.yml (and the rule files it loads)
#   - promtool check rules    prometheus/rules/*.yml
#   - promtool test rules     prometheus/tests/*.yml (every alert: just before and at its for: boundary,
#                             and a case where it must not fire)
#   - amtool check-config     alertmanager/alertmanager.yml (and its templates)
#   - amtool config routes test: each severity (and the Watchdog) reaches its receiver, both severities of an
#                             alert that has two (LLMProviderErrors) included
# (Inhibition is not something amtool can test: test/alerts/alertmanager.test.ts runs it in the real Alertmanager.)
# Runs every check, prints each result, and exits non-zero when any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

for tool in promtool amtool; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-configs: $tool not found; install it with: source scripts/lib/deps.sh && procode_system_deps" >&2
    exit 2
  fi
done

failures=()
run() {
  # run NAME CMD...: runs CMD, shows its output only when it fails.
  local name="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    echo "ok    $name"
  else
    echo "FAIL  $name"
    printf '%s\n' "$out" | sed 's/^/      /'
    failures+=("$name")
  fi
}

shopt -s nullglob
rule_files=(prometheus/rules/*.yml)
test_files=(prometheus/tests/*.yml)
shopt -u nullglob
if [ ${#rule_files[@]} -eq 0 ] || [ ${#test_files[@]} -eq 0 ]; then
  echo "check-configs: no rule files or no rule tests found under prometheus/" >&2
  exit 1
fi

run "promtool check config prometheus/prometheus.yml" promtool check config prometheus/prometheus.yml
run "promtool check rules (${#rule_files[@]} files)" promtool check rules "${rule_files[@]}"
for f in "${test_files[@]}"; do
  run "promtool test rules $f" promtool test rules "$f"
done
run "amtool check-config alertmanager/alertmanager.yml" amtool check-config alertmanager/alertmanager.yml

# label set -> the receiver it must reach
route_cases=(
  "pagerduty|alertname=DatabaseConnectionFailure severity=critical service=agent-service"
  "pagerduty|alertname=LLMProviderErrors severity=critical service=agent-service gen_ai_provider_name=openai"
  "slack|alertname=LLMProviderErrors severity=warning service=agent-service gen_ai_provider_name=openai"
  "pagerduty|alertname=ChatAvailabilityErrorBudgetBurn severity=critical service=agent-service long_window=1h"
  "slack|alertname=ChatAvailabilityErrorBudgetBurn severity=warning service=agent-service long_window=1d"
  "slack|alertname=HTTPHighResponseTime severity=warning service=agent-service"
  "heartbeat|alertname=Watchdog severity=none service=prometheus"
  "slack|alertname=UnknownSeverity severity=info service=agent-service"
  "slack|alertname=NoSeverity service=agent-service"
)
for case in "${route_cases[@]}"; do
  receiver="${case%%|*}"
  read -r -a labels <<<"${case#*|}"
  run "amtool config routes test: ${case#*|} -> $receiver" \
    amtool config routes test --config.file=alertmanager/alertmanager.yml --verify.receivers="$receiver" "${labels[@]}"
done

if [ ${#failures[@]} -gt 0 ]; then
  echo "check-configs: ${#failures[@]} check(s) failed" >&2
  exit 1
fi
echo "check-configs: all checks passed"
