#!/usr/bin/env bash
# Installs what Palisade needs, once: npm packages from the lockfile (which bring Node 24).
# Quick when nothing changed: each step is skipped when its stamp is current.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.palisade-lock-hash
if [[ ! -x node_modules/node/bin/node || "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]]; then
  echo "palisade setup: installing npm packages from package-lock.json (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$stamp"
fi
