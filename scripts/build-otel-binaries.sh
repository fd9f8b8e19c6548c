#!/usr/bin/env bash
# Builds the two native backends this project runs without Docker, from the Go module proxy:
#   - the ProCode OpenTelemetry Collector distribution (ocb + otel-collector/manifest.yaml)
#   - Jaeger v2 (github.com/jaegertracing/jaeger/cmd/jaeger, built in a throwaway module)
# and caches them under ${PROCODE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/procode-observability}/bin,
# keyed by a hash of what determines each binary (manifest + ocb version; Jaeger version), so a second
# run costs a hash and a stat, and an edited manifest rebuilds only the Collector.
#
# stdout: exactly two lines, `otelcol=/abs/path` and `jaeger=/abs/path`; progress goes to stderr.
# Concurrent callers serialise on a flock; the binaries are moved into place atomically.
# Nothing is built inside the repository.
set -euo pipefail

# Jaeger v2.13.0 is published as Go module version v1.76.0 (the v2 line shares the v1 module path).
readonly JAEGER_MODULE_VERSION=v1.76.0
readonly JAEGER_VERSION_LABEL=v2.13.0
# Bump when the build recipe itself changes (flags, patches) so cached binaries are rebuilt.
readonly RECIPE=1

log() { printf 'build-otel-binaries: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v go >/dev/null 2>&1 || die "go is not on PATH; install Go >= 1.26 (the pinned Collector release requires it)"
command -v flock >/dev/null 2>&1 || die "flock is not on PATH (package util-linux)"
command -v sha256sum >/dev/null 2>&1 || die "sha256sum is not on PATH (package coreutils)"

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
manifest="$repo_root/otel-collector/manifest.yaml"
[[ -f $manifest ]] || die "manifest not found: $manifest"

# The builder must be the release the manifest pins: read it from the service (telemetry) module line.
ocb_version=$(sed -n 's|^[[:space:]]*gomod:[[:space:]]*go.opentelemetry.io/collector/service[[:space:]]\{1,\}\(v[0-9][0-9.]*\).*|\1|p' "$manifest" | head -n1)
[[ -n $ocb_version ]] || die "cannot read the Collector release from $manifest (expected a 'gomod: go.opentelemetry.io/collector/service vX.Y.Z' line)"

cache_dir=${PROCODE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/procode-observability}
bin_dir="$cache_dir/bin"
mkdir -p "$bin_dir"
bin_dir=$(cd "$bin_dir" && pwd)

goos_goarch=$(go env GOOS GOARCH | tr '\n' '-')
otelcol_key=$( { cat "$manifest"; printf 'ocb=%s recipe=%s platform=%s\n' "$ocb_version" "$RECIPE" "$goos_goarch"; } | sha256sum | cut -c1-16)
jaeger_key=$(printf 'jaeger=%s recipe=%s platform=%s\n' "$JAEGER_MODULE_VERSION" "$RECIPE" "$goos_goarch" | sha256sum | cut -c1-16)
otelcol_bin="$bin_dir/otelcol-procode-$otelcol_key"
jaeger_bin="$bin_dir/jaeger-$JAEGER_VERSION_LABEL-$jaeger_key"

print_paths() { printf 'otelcol=%s\njaeger=%s\n' "$otelcol_bin" "$jaeger_bin"; }

# Fast path: both binaries already built (they only ever appear complete, via rename).
if [[ -x $otelcol_bin && -x $jaeger_bin ]]; then
  print_paths
  exit 0
fi

exec 9>"$cache_dir/build.lock"
if ! flock -n 9; then
  log "another build holds $cache_dir/build.lock; waiting"
  flock 9
fi

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/procode-otel-build.XXXXXX")
cleanup() { rm -rf "$work_dir"; }
trap cleanup EXIT

build_otelcol() {
  local ocb_dir="$cache_dir/tools/ocb-$ocb_version"
  if [[ ! -x $ocb_dir/builder ]]; then
    log "installing ocb $ocb_version"
    mkdir -p "$ocb_dir"
    GOBIN="$work_dir/ocb-bin" go install "go.opentelemetry.io/collector/cmd/builder@$ocb_version" >&2
    mv -f "$work_dir/ocb-bin/builder" "$ocb_dir/builder"
  fi
  # ocb takes the output directory only from the manifest: build from a copy that points into work_dir.
  sed "/^dist:[[:space:]]*$/a\\  output_path: $work_dir/otelcol" "$manifest" >"$work_dir/manifest.yaml"
  grep -q "output_path: $work_dir/otelcol" "$work_dir/manifest.yaml" || die "manifest has no top-level 'dist:' line"
  log "resolving the Collector's modules ($ocb_version, manifest hash $otelcol_key)"
  (cd "$work_dir" && "$ocb_dir/builder" --config "$work_dir/manifest.yaml" --skip-compilation --skip-strict-versioning=false) >&2 ||
    die "ocb failed to resolve the Collector's modules (see the output above)"
  # Every collector/contrib module must resolve to a version the manifest pins; a component that was
  # split into a new module (as filestorage was) otherwise silently drags in a newer release.
  local pinned stray
  pinned=$(grep -E '^[[:space:]]*(-[[:space:]]*)?gomod:' "$manifest" | grep -oE 'v[0-9]+\.[0-9]+\.[0-9]+' | sort -u)
  stray=$(awk '$1 ~ /^(go\.opentelemetry\.io\/collector|github\.com\/open-telemetry\/opentelemetry-collector-contrib)\// { print $1 " " $2 }' \
    "$work_dir/otelcol/go.mod" | grep -vwF -f <(printf '%s\n' $pinned) || true)
  [[ -z $stray ]] || die "modules resolved outside the pinned release ($(echo $pinned)): $(echo $stray)"
  log "compiling the Collector; the first build takes several minutes"
  (cd "$work_dir" && "$ocb_dir/builder" --config "$work_dir/manifest.yaml" --skip-generate --skip-get-modules) >&2 ||
    die "ocb failed to compile the Collector (see the output above)"
  local built
  built=$(find "$work_dir/otelcol" -maxdepth 1 -type f -perm -u+x -name 'otelcol*' | head -n1)
  [[ -n $built ]] || die "ocb finished but no binary was found in $work_dir/otelcol"
  "$built" --version >&2
  mv -f "$built" "$otelcol_bin.tmp.$$" && mv -f "$otelcol_bin.tmp.$$" "$otelcol_bin"
}

build_jaeger() {
  local dir="$work_dir/jaeger"
  mkdir -p "$dir"
  log "building Jaeger $JAEGER_VERSION_LABEL (module $JAEGER_MODULE_VERSION); the first build takes several minutes"
  (
    cd "$dir"
    go mod init procode.local/jaeger-build
    # Jaeger's own go.mod carries this replace; a dependent module must repeat it to build the same code.
    go mod edit -replace github.com/Shopify/sarama=github.com/Shopify/sarama@v1.33.0
    go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION"
    local v=github.com/jaegertracing/jaeger/internal/version
    go build -trimpath \
      -ldflags "-s -w -X $v.latestVersion=$JAEGER_VERSION_LABEL -X $v.commitSHA=module-$JAEGER_MODULE_VERSION" \
      -o "$dir/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger
  ) >&2 || die "go failed to build Jaeger $JAEGER_MODULE_VERSION (see the output above)"
  mv -f "$dir/jaeger" "$jaeger_bin.tmp.$$" && mv -f "$jaeger_bin.tmp.$$" "$jaeger_bin"
}

# Re-check under the lock: a concurrent caller may have finished the build while we waited.
[[ -x $otelcol_bin ]] || build_otelcol
[[ -x $jaeger_bin ]] || build_jaeger
log "cached in $bin_dir"
print_paths
