#!/usr/bin/env bash
# `npm run test:node24`: the whole test suite again on Node 24 (npm package node@24), besides this machine's Node.
set -euo pipefail
run24() { npx -y -p node@24 node "$@"; }
version=$(run24 -p 'process.versions.node')
[[ "$version" == 24.* ]] || { echo "expected Node 24, got $version" >&2; exit 1; }
echo "test suite on Node $version"
run24 node_modules/vitest/vitest.mjs run "$@"
