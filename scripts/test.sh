#!/usr/bin/env bash
# The whole test suite: types, lint + format, the unit tests (in parallel), the tests against a real
# Kubernetes API server (built from source once, by scripts/build-kube.sh), then the tests that
# build the lab with real namespaces, packets and eBPF (one at a time: they share the lab).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
# A test that hangs fails after 15 minutes. (Not --test-force-exit: with a process per file, the
# runner then exits once the tests reported so far are done, and silently drops files still running.)
TEST_FLAGS=(--test-timeout=900000 --disable-warning=ExperimentalWarning --conditions=react-server)

echo "== typecheck (tsc --noEmit)"
tsc --noEmit
echo "== lint and format (biome check)"
biome check .
echo "== unit tests (node --test)"
node --test --test-reporter=spec "${TEST_FLAGS[@]}" \
  'app/**/*.test.ts' 'server/**/*.test.ts' 'agent/**/*.test.ts' 'examples/**/*.test.ts' 'components/**/*.test.ts' 'bench/**/*.test.ts'
echo "== Kubernetes tests: real etcd, kube-apiserver and kube-controller-manager (node --test)"
bash scripts/build-kube.sh
node --test --test-reporter=spec --test-concurrency=1 "${TEST_FLAGS[@]}" \
  '**/*.kube-test.ts'
echo "== lab tests: real namespaces, packets and eBPF (node --test, one at a time)"
node --test --test-reporter=spec --test-concurrency=1 "${TEST_FLAGS[@]}" \
  '**/*.lab-test.ts'
