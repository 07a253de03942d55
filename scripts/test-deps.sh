#!/usr/bin/env bash
# Installs what the host and UI test tiers need, and nothing when it is all there already:
#   - Debian packages: chromium (the browser Playwright drives), libkrb5-dev (code-server's
#     kerberos module builds against it), ripgrep (seeds code-server's own rg download);
#   - code-server (a real VS Code workbench + extension host) into a cache folder outside git:
#     ${SMW_TEST_CACHE:-$HOME/.cache/sagemaker-workbench-test}/code-server-<version>.
# Prints what it does on stderr. Idempotent; safe to run twice at once (flock).
# The test harness finds code-server at the same path (test/harness/paths.ts).
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
# @vscode/ripgrep's postinstall downloads this archive unless it is in its cache folder.
RIPGREP_CACHE_NAME=vscode-ripgrep-cache-1.15.11
RIPGREP_ARCHIVE=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
APT_PACKAGES=(chromium libkrb5-dev ripgrep)

CACHE_ROOT="${SMW_TEST_CACHE:-$HOME/.cache/sagemaker-workbench-test}"
INSTALL_DIR="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION"
CODE_SERVER_BIN="$INSTALL_DIR/node_modules/.bin/code-server"
MARKER="$INSTALL_DIR/.smw-install-complete"

log() { printf 'test-deps: %s\n' "$*" >&2; }
die() { printf 'test-deps: ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- Debian packages
is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
else
  # Not Debian: accept the tools if they are on PATH by other means.
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    die "missing Debian packages: ${missing[*]}. Install them as root: apt-get update && apt-get install -y ${missing[*]}"
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing packages ${missing[*]} and no apt-get to install them with"
  export DEBIAN_FRONTEND=noninteractive
  log "installing Debian packages: ${missing[*]}"
  # Update the package lists only when the install cannot go ahead without it.
  if ! "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
    log "apt-get install failed; running apt-get update and trying again"
    "${SUDO[@]}" apt-get update >&2
    "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
      || die "apt-get install ${missing[*]} failed"
  fi
fi

CHROMIUM_BIN="${SMW_CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM_BIN" ] || die "chromium not found at $CHROMIUM_BIN (set SMW_CHROMIUM to its path)"
RG_BIN="$(command -v rg || true)"
[ -n "$RG_BIN" ] || die "ripgrep (rg) not found on PATH"

# ---------------------------------------------------------------- code-server
# Prints the version line of `code-server --version` ("4.100.3 <commit> with Code 1.100.3").
# code-server writes a default config.yaml on every first run: keep it out of $HOME.
code_server_version() {
  local xdg="$CACHE_ROOT/xdg-config"
  mkdir -p "$xdg"
  XDG_CONFIG_HOME="$xdg" "$CODE_SERVER_BIN" --version 2>&1 | grep -E '^[0-9]+\.[0-9]+\.[0-9]+ ' | head -n 1
}

code_server_ok() {
  [ -f "$MARKER" ] && [ -x "$CODE_SERVER_BIN" ] || return 1
  local out
  out="$(code_server_version)" || return 1
  [ "${out%% *}" = "$CODE_SERVER_VERSION" ]
}

mkdir -p "$CACHE_ROOT"
if code_server_ok; then
  log "code-server $CODE_SERVER_VERSION present at $INSTALL_DIR"
  exit 0
fi

# Serialize concurrent installs into the same cache.
exec 9>"$CACHE_ROOT/.install.lock"
if command -v flock >/dev/null 2>&1; then
  log "waiting for the install lock $CACHE_ROOT/.install.lock"
  flock 9
fi
if code_server_ok; then
  log "code-server $CODE_SERVER_VERSION present at $INSTALL_DIR (installed by another run)"
  exit 0
fi

log "installing code-server@$CODE_SERVER_VERSION into $INSTALL_DIR (takes a minute or two)"
rm -rf "$INSTALL_DIR"
mkdir -p "$INSTALL_DIR"
INSTALL_TMP="$CACHE_ROOT/tmp-install"
rm -rf "$INSTALL_TMP"
mkdir -p "$INSTALL_TMP/$RIPGREP_CACHE_NAME"
# Seed @vscode/ripgrep's download cache with Debian's rg (os.tmpdir() follows TMPDIR).
tar czf "$INSTALL_TMP/$RIPGREP_CACHE_NAME/$RIPGREP_ARCHIVE" -C "$(dirname "$RG_BIN")" rg
log "seeded $INSTALL_TMP/$RIPGREP_CACHE_NAME/$RIPGREP_ARCHIVE from $RG_BIN"

(
  cd "$INSTALL_DIR"
  # node-pty's postinstall runs npx: answer its prompt (npm_config_yes). code-server's
  # postinstall refuses to run as root under npm unless npm_config_unsafe_perm=true.
  TMPDIR="$INSTALL_TMP" npm_config_yes=true npm_config_unsafe_perm=true ONNXRUNTIME_NODE_INSTALL=skip \
    npm install --prefix "$INSTALL_DIR" --no-audit --no-fund --loglevel=warn \
    "code-server@$CODE_SERVER_VERSION" >&2
) || { rm -rf "$INSTALL_TMP"; die "npm install code-server@$CODE_SERVER_VERSION failed (see above)"; }
rm -rf "$INSTALL_TMP"

version="$(code_server_version || true)"
[ "${version%% *}" = "$CODE_SERVER_VERSION" ] \
  || die "installed code-server does not run or reports '$version', expected $CODE_SERVER_VERSION"
touch "$MARKER"
log "code-server $version installed at $INSTALL_DIR"
