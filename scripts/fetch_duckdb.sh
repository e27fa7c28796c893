#!/usr/bin/env bash
# Fetches DuckDB (libduckdb.so and its C header duckdb.h) for `export data --format parquet`,
# once, into the user-level cache:
#
#   ${PANIC_TDA_DUCKDB:-${XDG_CACHE_HOME:-$HOME/.cache}/panic-tda/duckdb-1.5.6}/
#     lib/libduckdb.so, include/duckdb.h, LICENSE, .complete
#
# DuckDB is not in Debian 12, and no Debian package writes Parquet from C++. The library
# comes from the npm package @duckdb/node-bindings-linux-x64@1.5.6-r.1 (MIT; DuckDB 1.5.6's
# libduckdb.so for Linux x64, beside the Node addon), the header from the npm package
# duckdb@1.4.4 (MIT; src/duckdb/src/include/duckdb.h): the C API is stable across these
# versions, and panic-tda uses only functions both have. Both tarballs' sha512 are checked
# against what the npm registry records, and the library's own sha256 against the one below.
# CMake finds the folder by default (cmake/Duckdb.cmake). The steps shared with
# fetch_onnxruntime.sh are in scripts/lib/npm_prebuilt.sh. A folder already complete is left
# alone. Linux x64 only: elsewhere it says so and exits 0 (Parquet export is optional; CSV
# always works).
set -euo pipefail

lib_spec="@duckdb/node-bindings-linux-x64@1.5.6-r.1"
lib_integrity="sha512-IXcrZJE6kEqM0Z4wwdVnGBHX/frOS33VPNAwDXQ/Q+Fs84b058Qe94chrCCIcNJlG8Y3UHIUU4eBeCQxW5mN1Q=="
lib_sha256="3f4962cdd266eab2b479a5b5a4a6d063d279b2954ae814ed00385d553b747633"
header_spec="duckdb@1.4.4"
header_integrity="sha512-hEJJ5hyVF0VLj3dmOLpsWrQR0b3d4Ykqtygm6iUXjHJDDnSqg/USKxcb5qvNrOhFYPgktayU6dXCtgPqcmmpog=="
dest="${PANIC_TDA_DUCKDB:-${XDG_CACHE_HOME:-$HOME/.cache}/panic-tda/duckdb-1.5.6}"

source "$(dirname "$0")/lib/npm_prebuilt.sh"
prebuilt_begin duckdb "$dest"
echo "duckdb: fetching $lib_spec (24 MB) and $header_spec (11 MB) into $dest" >&2
lib_tarball="$(prebuilt_pack "$lib_spec" "$lib_integrity")"
header_tarball="$(prebuilt_pack "$header_spec" "$header_integrity")"
tmp="$PREBUILT_TMP"
mkdir -p "$tmp/lib" "$tmp/header"
tar -xzf "$lib_tarball" -C "$tmp/lib" package/libduckdb.so package/LICENSE
tar -xzf "$header_tarball" -C "$tmp/header" package/src/duckdb/src/include/duckdb.h
prebuilt_check_sha256 "$tmp/lib/package/libduckdb.so" "$lib_sha256"
out="$tmp/out"
mkdir -p "$out/lib" "$out/include"
cp "$tmp/lib/package/libduckdb.so" "$out/lib/"
cp "$tmp/header/package/src/duckdb/src/include/duckdb.h" "$out/include/"
cp "$tmp/lib/package/LICENSE" "$out/LICENSE"
prebuilt_finish "$out"
