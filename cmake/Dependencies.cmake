# Every external dependency, each from a Debian package (scripts/setup.sh installs them).
# A missing one stops configuration with the package that provides it.

macro(panic_require found_var what package)
  if(NOT ${found_var})
    message(FATAL_ERROR "panic-tda needs ${what}: install the Debian package '${package}' "
                        "(or run scripts/setup.sh, which installs every dependency)")
  endif()
endmacro()

find_package(Threads REQUIRED)

find_package(SQLite3)
panic_require(SQLite3_FOUND "SQLite 3 (the embedded database)" libsqlite3-dev)

find_package(nlohmann_json 3.10 QUIET)
panic_require(nlohmann_json_FOUND "nlohmann-json (config and --json output)" nlohmann-json3-dev)

find_package(ZLIB)
panic_require(ZLIB_FOUND "zlib (NPZ archives: CRC-32 and deflate)" zlib1g-dev)

find_package(JPEG)
panic_require(JPEG_FOUND "libjpeg-turbo (JPEG-q30 loop detection)" libjpeg62-turbo-dev)

find_package(PkgConfig REQUIRED)
pkg_check_modules(WEBP QUIET IMPORTED_TARGET libwebp)
panic_require(WEBP_FOUND "libwebp (image storage)" libwebp-dev)

pkg_check_modules(AVIF QUIET IMPORTED_TARGET libavif)
panic_require(AVIF_FOUND "libavif (importing the Elixir era's AVIF images)" libavif-dev)
pkg_check_modules(LIBZIP QUIET IMPORTED_TARGET libzip)
panic_require(LIBZIP_FOUND "libzip (reading NPZ archives: zip structures, zip64)" libzip-dev)
pkg_check_modules(PANGOCAIRO QUIET IMPORTED_TARGET pangocairo cairo cairo-svg cairo-pdf cairo-png)
panic_require(PANGOCAIRO_FOUND "cairo + pango (frames, charts and text of export/)" "libcairo2-dev libpango1.0-dev")
pkg_check_modules(PNG QUIET IMPORTED_TARGET libpng)
panic_require(PNG_FOUND "libpng (PNG export with text metadata)" libpng-dev)
# The dashboard's HTTP server (`panic-tda serve`, src/panic/serve/): Debian's cpp-httplib is a
# compiled library (libcpp-httplib.so), not the single header.
pkg_check_modules(HTTPLIB QUIET IMPORTED_TARGET cpp-httplib)
panic_require(HTTPLIB_FOUND "cpp-httplib (the dashboard's HTTP server)" libcpp-httplib-dev)

find_library(PANIC_OPENBLAS NAMES openblas)
panic_require(PANIC_OPENBLAS "OpenBLAS (GEMMs for distances and native models)" libopenblas-dev)
add_library(openblas UNKNOWN IMPORTED)
set_target_properties(openblas PROPERTIES IMPORTED_LOCATION ${PANIC_OPENBLAS})
find_path(PANIC_CBLAS_INCLUDE cblas.h PATH_SUFFIXES openblas openblas-pthread)
if(PANIC_CBLAS_INCLUDE)
  set_target_properties(openblas PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${PANIC_CBLAS_INCLUDE})
endif()

# Hera: exact bottleneck and auction Wasserstein distances between persistence diagrams
# (header-only, BSD-3-Clause; its headers need Boost's, which the package depends on).
find_path(PANIC_HERA_INCLUDE hera/wasserstein/wasserstein.h)
panic_require(PANIC_HERA_INCLUDE "Hera (persistence diagram distances)" libhera-dev)
add_library(hera INTERFACE IMPORTED)
# Hera's Wasserstein headers include their siblings by bare name ("hera_infinity.h");
# an imported target's include directories are passed as -isystem (no warnings from them).
set_target_properties(hera PROPERTIES INTERFACE_INCLUDE_DIRECTORIES
                      "${PANIC_HERA_INCLUDE};${PANIC_HERA_INCLUDE}/hera/wasserstein")

find_package(Eigen3 3.3 QUIET NO_MODULE)
panic_require(Eigen3_FOUND "Eigen 3 (native model inference)" libeigen3-dev)

if(PANIC_BUILD_TESTS)
  find_package(GTest)
  panic_require(GTest_FOUND "GoogleTest" "libgtest-dev libgmock-dev")
endif()
if(PANIC_BUILD_BENCH)
  find_package(benchmark QUIET)
  panic_require(benchmark_FOUND "Google Benchmark" libbenchmark-dev)
endif()
