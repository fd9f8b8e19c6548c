# Sourced by the project's scripts: installs what the project needs and is not there yet.
# Debian packages (Prometheus with promtool, Alertmanager with amtool, PostgreSQL, curl) with apt-get when a
# command is missing; npm packages with `npm ci` when package-lock.json changed since the last install.
# shellcheck shell=bash

procode_apt_get_install() {
  # procode_apt_get_install PACKAGE ... installs the packages with apt-get (sudo when not root).
  echo "deps: installing Debian packages: $*" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2 || { echo "deps: apt-get update failed" >&2; return 1; }
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >&2 || {
    echo "deps: apt-get install $* failed" >&2; return 1; }
}

procode_apt_install() {
  # procode_apt_install CMD:PACKAGE ... installs each PACKAGE whose CMD is not found.
  local missing=() pair cmd pkg
  for pair in "$@"; do
    cmd="${pair%%:*}"; pkg="${pair#*:}"
    if ! command -v "$cmd" >/dev/null 2>&1; then
      case " ${missing[*]} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  procode_apt_get_install "${missing[@]}"
}

procode_pg_bindir() {
  # The directory holding initdb/pg_ctl/postgres of the newest installed PostgreSQL.
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -n "$d" ] && echo "$d"
}

procode_system_deps() {
  # Debian names the Alertmanager binary prometheus-alertmanager (upstream: alertmanager).
  procode_apt_install curl:curl prometheus:prometheus promtool:prometheus \
    prometheus-alertmanager:prometheus-alertmanager amtool:prometheus-alertmanager || return 1
  # PostgreSQL's binaries live in /usr/lib/postgresql/<version>/bin, not on PATH.
  if [ -z "$(procode_pg_bindir)" ]; then procode_apt_get_install postgresql || return 1; fi
  PROCODE_PG_BINDIR="$(procode_pg_bindir)"
  [ -n "$PROCODE_PG_BINDIR" ] || { echo "deps: postgresql installed but no /usr/lib/postgresql/*/bin" >&2; return 1; }
  export PROCODE_PG_BINDIR
  # The packages may start system services (prometheus :9090, prometheus-alertmanager :9093,
  # prometheus-node-exporter :9100, postgresql :5432). Tests never depend on them (free ports); the stack CLI's
  # `up` uses the default ports and names the service to stop when one is taken.
  return 0
}

procode_npm_deps() {
  local stamp="node_modules/.procode-lock-hash" want
  want="$( (cat package-lock.json; node --version) | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2 || { echo "deps: npm ci failed" >&2; return 1; }
  echo "$want" >"$stamp"
}
