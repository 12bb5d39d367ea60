#!/usr/bin/env bash
# Brings up the lab (eBPF when root on a BPF kernel, simulated otherwise, and says which), builds
# the dashboard when its sources changed, and serves it on 127.0.0.1. Ctrl-C takes the lab down.
# With PALISADE_CLUSTER=kubernetes the dashboard shows that cluster instead, and no lab is made.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export NEXT_TELEMETRY_DISABLED=1

host=${PALISADE_HOST:-127.0.0.1}
port=${PORT:-3000}
# The lab's agents send their flows to this server's ingest (and buffer while it starts).
export PALISADE_INGEST_URL="http://127.0.0.1:$port/api/ingest"
if [[ ${PALISADE_CLUSTER:-lab} != kubernetes ]]; then
  bin/palisade lab up
  trap 'bin/palisade lab down' EXIT
fi

bash scripts/build-dashboard.sh
echo "palisade: dashboard on http://$host:$port"
next start -H "$host" -p "$port"
