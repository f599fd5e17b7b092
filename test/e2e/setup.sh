#!/usr/bin/env bash
# Installs what the end-to-end tests need, offline-friendly (docs/design.md §7.4): Debian packages
# (Chromium, ripgrep, headers for code-server's native modules) and code-server 4.100.3 (a real
# VS Code 1.100.3 on Node 20) into .e2e/ at the repository root, outside the package.
# Idempotent: a second run only checks and returns in well under a second.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
CS_VERSION="${CODE_SERVER_VERSION:-4.100.3}"
E2E_DIR="${TUCKER_E2E_DIR:-$ROOT/.e2e}"
CS_DIR="$E2E_DIR/code-server-$CS_VERSION"
CS_PKG="$CS_DIR/node_modules/code-server"
STAMP="$CS_DIR/.installed"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# node-pty's install script runs `npx node-gyp`: let npx fetch it without asking.
export npm_config_yes=true
# Native rebuilds need Node's headers: use the installed ones rather than downloading them.
if [ -z "${npm_config_nodedir:-}" ]; then
  node_prefix="$(dirname "$(dirname "$(command -v node)")")"
  for d in "$node_prefix" /usr /usr/local; do
    if [ -f "$d/include/node/node_api.h" ]; then export npm_config_nodedir="$d"; break; fi
  done
fi

log() { echo "[e2e setup] $*"; }

# ---- Debian packages ----
need_pkgs=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
command -v rg >/dev/null 2>&1 || need_pkgs+=(ripgrep)
for p in libkrb5-dev libxkbfile-dev libsecret-1-dev build-essential python3 pkg-config; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_pkgs[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# ---- code-server ----
if [ -f "$STAMP" ] && [ -x "$CS_PKG/out/node/entry.js" -o -f "$CS_PKG/out/node/entry.js" ]; then
  log "code-server $CS_VERSION ready in $CS_DIR"
  exit 0
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" != 20 ]; then
  echo "[e2e setup] code-server $CS_VERSION needs Node 20; this is Node $node_major" >&2
  exit 1
fi

log "installing code-server $CS_VERSION into $CS_DIR (scripts off, then native rebuilds)"
mkdir -p "$CS_DIR"
[ -f "$CS_DIR/package.json" ] || echo '{"name":"tucker-train-e2e-code-server","private":true}' > "$CS_DIR/package.json"
(cd "$CS_DIR" && npm install --ignore-scripts --no-audit --no-fund --save-exact "code-server@$CS_VERSION")
# code-server's own native modules (argon2), not code-server's postinstall (we do its work below).
(cd "$CS_DIR" && npm rebuild argon2)

# The bundled VS Code's production dependencies. @vscode/ripgrep downloads rg in its
# postinstall unless a binary is already in its bin/: give it Debian's.
VS="$CS_PKG/lib/vscode"
(cd "$VS" && npm install --omit=dev --ignore-scripts --no-audit --no-fund)
for rgdir in "$VS/node_modules/@vscode/ripgrep"; do
  if [ -d "$rgdir" ]; then mkdir -p "$rgdir/bin" && cp -f "$(command -v rg)" "$rgdir/bin/rg"; fi
done
(cd "$VS" && npm rebuild)
# What code-server's postinstall does besides installing: the asar symlink and bin scripts.
(cd "$VS" && rm -rf node_modules.asar && ln -s node_modules node_modules.asar)
(cd "$VS/bin/remote-cli" && rm -f code-server && ln -s code-linux.sh code-server) || true
(cd "$VS/bin/helpers" && rm -f browser.sh && ln -s browser-linux.sh browser.sh) || true
(cd "$VS/extensions" && npm install --omit=dev --ignore-scripts --no-audit --no-fund)

touch "$STAMP"
log "code-server $CS_VERSION installed"
