#!/usr/bin/env bash
# Brings up the lab (eBPF when root on a BPF kernel, simulated otherwise, and says which), builds
# the dashboard when its sources changed, and serves it on 127.0.0.1. Ctrl-C takes the lab down.
# Writes to the lab need the API token printed here (a link that signs a browser in, or a bearer
# token for curl). With PALISADE_CLUSTER=kubernetes the dashboard shows that cluster instead, no
# lab is made, and writes need the user's own Kubernetes token. SIGTERM stops it as Ctrl-C does.
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
  { read -r token_file && read -r token; } < <(node --disable-warning=ExperimentalWarning scripts/api-token.ts)
fi

bash scripts/build-dashboard.sh
link_host=$host
[[ $link_host == 0.0.0.0 || $link_host == :: ]] && link_host=127.0.0.1
echo "palisade: dashboard on http://$host:$port"
if [[ -n ${token:-} ]]; then
  echo "palisade: changing the lab needs the API token in $token_file (readable by you only):"
  echo "palisade:   open http://$link_host:$port/?token=$token to sign this browser in,"
  echo "palisade:   or send 'Authorization: Bearer $token' (curl, scripts)"
fi
# In the background, so that a SIGTERM (a service manager's stop), like Ctrl-C, stops the server and
# then takes the lab down (bash runs no trap while it waits for a command in the foreground).
next start -H "$host" -p "$port" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null' TERM INT
status=0
wait "$server" || status=$?
# A signal ended the wait (the trap asked the server to stop): wait until it has. It ends its live
# streams and waits for its other requests; one that does not end within 10 s is cut.
if ((status > 128)); then
  status=0
  for _ in {1..100}; do
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$server" 2>/dev/null || true
  wait "$server" || status=$?
fi
exit "$status"
