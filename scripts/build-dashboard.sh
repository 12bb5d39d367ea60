#!/usr/bin/env bash
# Builds the dashboard (next build) unless its build is newer than every source it is made from
# (the server reads the flow event layout from agent/datapath/layout.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export NEXT_TELEMETRY_DISABLED=1
if [[ ! -f .next/BUILD_ID ]] || [[ -n "$(find app components server agent/datapath/layout.ts proxy.ts next.config.ts package-lock.json -newer .next/BUILD_ID -print -quit 2>/dev/null)" ]]; then
  echo "palisade: building the dashboard (next build)…"
  next build
fi
