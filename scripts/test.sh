#!/usr/bin/env bash
# The whole test suite: types, lint + format, then every *.test.ts with Node's test runner.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

echo "== typecheck (tsc --noEmit)"
tsc --noEmit
echo "== lint and format (biome check)"
biome check .
echo "== tests (node --test)"
node --test --test-reporter=spec --disable-warning=ExperimentalWarning \
  'server/**/*.test.ts' 'agent/**/*.test.ts' 'examples/**/*.test.ts'
