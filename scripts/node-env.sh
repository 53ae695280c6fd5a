#!/usr/bin/env bash
# A second Node.js for the tests: the current LTS (24), which Kong nodes are
# deployed with now that Node 20 has reached its end of life (2026-04-30).
# `npm test` runs the plugin's and the control plane's own tests, and the
# rollups suite, on it too when it is here (scripts/run-tests.js): Node 24
# changed what they relied on (its shared Buffer slab grew from 8 to 64 KiB,
# bench/RESULTS.md §39).
# From the npm registry's `node-linux-<arch>` package (nodejs.org is not
# reachable from every build machine; the registry checks the tarball's
# integrity). Into .cache/node-24; idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=24.22.3
DIR=.cache/node-24
if [ "$("$DIR/bin/node" --version 2>/dev/null)" = "v$VERSION" ]; then
  echo "node $VERSION: $DIR/bin/node"
  exit 0
fi
arch=$(node -p process.arch)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm pack --silent --pack-destination "$work" "node-linux-$arch@$VERSION" > /dev/null
tar -xzf "$work"/node-linux-*.tgz -C "$work"
rm -rf "$DIR"
mkdir -p "$DIR/bin"
mv "$work/package/bin/node" "$DIR/bin/node"
echo "node $("$DIR/bin/node" --version): $DIR/bin/node"
