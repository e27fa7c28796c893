#!/usr/bin/env bash
# Fetches ONNX Runtime (the shared library and its C/C++ headers) for the optional ONNX
# backend, once, into the user-level cache:
#
#   ${PANIC_TDA_ONNXRUNTIME:-${XDG_CACHE_HOME:-$HOME/.cache}/panic-tda/onnxruntime-1.29-asus4-0.4.9}/
#     lib/libonnxruntime.so (+ .so.1, its soname), lib/libonnxruntime_providers_shared.so
#     include/onnxruntime_c_api.h, onnxruntime_cxx_api.h, ...
#     LICENSE, ThirdPartyNotices.txt, .complete
#
# ONNX Runtime is not in Debian 12. It comes from the npm package
# com.github.asus4.onnxruntime@0.4.9 (MIT; ONNX Runtime 1.29 for Linux x64, CPU execution
# provider; the headers are those of its iOS framework, which are the same C/C++ API). The
# tarball's sha512 is checked against the one the npm registry records, and the library's
# own sha256 against the one below. CMake finds the folder by default (cmake/Onnx.cmake).
# A folder already complete is left alone, so running this again does nothing.
# Linux x64 only: elsewhere it says so and exits 0 (the backend is optional).
set -euo pipefail

spec="com.github.asus4.onnxruntime@0.4.9"
integrity="sha512-BkzxduSZ9IkeDP6Q8lz2TFU2ie7hSSvS7ZIfzMooExoq0CNzJnuuGaUJ7IsojBgqO4ouD1jXah8OYyJbCN29Fg=="
lib_sha256="5715f06d8992ca8eeeddcce43df3a7d38f97d537052126f558e912cb312460ca"
dest="${PANIC_TDA_ONNXRUNTIME:-${XDG_CACHE_HOME:-$HOME/.cache}/panic-tda/onnxruntime-1.29-asus4-0.4.9}"

if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "onnxruntime: $spec ships no library for $(uname -s)-$(uname -m); the ONNX backend stays off"
  exit 0
fi
if [[ -f "$dest/.complete" ]]; then
  echo "onnxruntime: already in $dest"
  exit 0
fi
command -v npm >/dev/null || { echo "onnxruntime: npm is needed to fetch $spec" >&2; exit 1; }
mkdir -p "$(dirname "$dest")"
tmp="$(mktemp -d "$(dirname "$dest")/.fetch-onnxruntime.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "onnxruntime: fetching $spec (150 MB) into $dest"
(cd "$tmp" && npm pack "$spec" --silent --loglevel=error >/dev/null)
tarball="$(ls "$tmp"/*.tgz)"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ "$actual" != "$integrity" ]]; then
  echo "onnxruntime: $spec has integrity $actual, expected $integrity" >&2
  exit 1
fi
headers='package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64/onnxruntime.framework/Headers'
tar -xzf "$tarball" -C "$tmp" package/Plugins/Linux/x64 "$headers" package/LICENSE package/ThirdPartyNotices.txt
actual_lib="$(sha256sum "$tmp/package/Plugins/Linux/x64/libonnxruntime.so" | cut -d' ' -f1)"
if [[ "$actual_lib" != "$lib_sha256" ]]; then
  echo "onnxruntime: libonnxruntime.so has sha256 $actual_lib, expected $lib_sha256" >&2
  exit 1
fi
out="$tmp/out"
mkdir -p "$out/lib" "$out/include"
cp "$tmp/package/Plugins/Linux/x64/"*.so "$out/lib/"
ln -s libonnxruntime.so "$out/lib/libonnxruntime.so.1"  # the library's soname
cp "$tmp/$headers/"*.h "$out/include/"
cp "$tmp/package/LICENSE" "$tmp/package/ThirdPartyNotices.txt" "$out/"
touch "$out/.complete"
rm -rf "$dest"
mv "$out" "$dest"
echo "onnxruntime: ready in $dest"
