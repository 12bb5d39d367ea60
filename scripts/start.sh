#!/usr/bin/env bash
# Builds the dashboard when its sources changed, then serves it on 127.0.0.1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export NEXT_TELEMETRY_DISABLED=1

if [[ ! -f .next/BUILD_ID ]] || [[ -n "$(find app components server next.config.ts package-lock.json -newer .next/BUILD_ID -print -quit 2>/dev/null)" ]]; then
  echo "palisade: building the dashboard (next build)…"
  next build
fi
host=${PALISADE_HOST:-127.0.0.1}
port=${PORT:-3000}
echo "palisade: dashboard on http://$host:$port"
exec next start -H "$host" -p "$port"
