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
# own sha256 against the one below. CMake finds the folder by default (cmake/Onnx.cmake);
# the steps shared with fetch_duckdb.sh are in scripts/lib/npm_prebuilt.sh.
# A folder already complete is left alone, so running this again does nothing.
# Linux x64 only: elsewhere it says so and exits 0 (the backend is optional).
set -euo pipefail

spec="com.github.asus4.onnxruntime@0.4.9"
integrity="sha512-BkzxduSZ9IkeDP6Q8lz2TFU2ie7hSSvS7ZIfzMooExoq0CNzJnuuGaUJ7IsojBgqO4ouD1jXah8OYyJbCN29Fg=="
lib_sha256="5715f06d8992ca8eeeddcce43df3a7d38f97d537052126f558e912cb312460ca"
dest="${PANIC_TDA_ONNXRUNTIME:-${XDG_CACHE_HOME:-$HOME/.cache}/panic-tda/onnxruntime-1.29-asus4-0.4.9}"

source "$(dirname "$0")/lib/npm_prebuilt.sh"
prebuilt_begin onnxruntime "$dest"
echo "onnxruntime: fetching $spec (150 MB) into $dest"
tarball="$(prebuilt_pack "$spec" "$integrity")"
tmp="$PREBUILT_TMP"
headers='package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64/onnxruntime.framework/Headers'
tar -xzf "$tarball" -C "$tmp" package/Plugins/Linux/x64 "$headers" package/LICENSE package/ThirdPartyNotices.txt
prebuilt_check_sha256 "$tmp/package/Plugins/Linux/x64/libonnxruntime.so" "$lib_sha256"
out="$tmp/out"
mkdir -p "$out/lib" "$out/include"
cp "$tmp/package/Plugins/Linux/x64/"*.so "$out/lib/"
ln -s libonnxruntime.so "$out/lib/libonnxruntime.so.1"  # the library's soname
cp "$tmp/$headers/"*.h "$out/include/"
cp "$tmp/package/LICENSE" "$tmp/package/ThirdPartyNotices.txt" "$out/"
prebuilt_finish "$out"
