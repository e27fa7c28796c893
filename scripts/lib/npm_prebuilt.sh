# Shared steps of scripts/fetch_onnxruntime.sh and scripts/fetch_duckdb.sh: an optional
# prebuilt library taken from npm tarballs, checksummed, and put into the user-level cache
# folder in one rename (a folder with .complete is whole; an interrupted fetch leaves only a
# .fetch-* temporary folder, removed on exit). Sourced, not run.
#
#   prebuilt_begin NAME DEST      exits 0 when DEST is complete or the platform is not Linux x64;
#                                 otherwise creates $PREBUILT_TMP beside DEST
#   prebuilt_pack SPEC SRI        npm pack SPEC into a new folder, check its sha512 (the npm
#                                 registry's "integrity"), print the tarball's path
#   prebuilt_check_sha256 FILE HEX
#   prebuilt_finish OUT           marks OUT complete and moves it to DEST

prebuilt_begin() {
  PREBUILT_NAME="$1"
  PREBUILT_DEST="$2"
  if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
    echo "$PREBUILT_NAME: npm ships no library for $(uname -s)-$(uname -m); it stays off (optional)"
    exit 0
  fi
  if [[ -f "$PREBUILT_DEST/.complete" ]]; then
    echo "$PREBUILT_NAME: already in $PREBUILT_DEST"
    exit 0
  fi
  command -v npm >/dev/null || { echo "$PREBUILT_NAME: npm is needed to fetch it" >&2; exit 1; }
  mkdir -p "$(dirname "$PREBUILT_DEST")"
  PREBUILT_TMP="$(mktemp -d "$(dirname "$PREBUILT_DEST")/.fetch-$PREBUILT_NAME.XXXXXX")"
  trap 'rm -rf "$PREBUILT_TMP"' EXIT
}

prebuilt_pack() {
  local spec="$1" integrity="$2" dir tarball actual
  dir="$(mktemp -d "$PREBUILT_TMP/pack.XXXXXX")"
  (cd "$dir" && npm pack "$spec" --silent --loglevel=error >/dev/null)
  tarball="$(ls "$dir"/*.tgz)"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [[ "$actual" != "$integrity" ]]; then
    echo "$PREBUILT_NAME: $spec has integrity $actual, expected $integrity" >&2
    exit 1
  fi
  echo "$tarball"
}

prebuilt_check_sha256() {
  local actual
  actual="$(sha256sum "$1" | cut -d' ' -f1)"
  if [[ "$actual" != "$2" ]]; then
    echo "$PREBUILT_NAME: $(basename "$1") has sha256 $actual, expected $2" >&2
    exit 1
  fi
}

prebuilt_finish() {
  touch "$1/.complete"
  rm -rf "$PREBUILT_DEST"
  mv "$1" "$PREBUILT_DEST"
  echo "$PREBUILT_NAME: ready in $PREBUILT_DEST"
}
