# -DPANIC_SANITIZE=ON: every target is built with AddressSanitizer and UndefinedBehavior-
# Sanitizer (GCC or clang). Undefined behaviour aborts (no recovery), so a test that
# triggers it fails.
#
# -DPANIC_DECODERS_ONLY=ON: only the decoders of outside bytes, their unit tests and the
# fuzz targets (cmake/DecoderBuild.cmake) — what the sanitizer step of CI needs, in a
# fraction of the full build.
#
# -DPANIC_FUZZ=ON (clang only; implies the two above): tests/fuzz builds libFuzzer binaries
# (fuzz_<name>) instead of the corpus replayers. scripts/test_sanitize_fuzz.sh configures
# build-fuzz/ this way, runs the unit tests under the sanitizers, then each fuzz target.
option(PANIC_SANITIZE "Build with AddressSanitizer + UndefinedBehaviorSanitizer" OFF)
option(PANIC_DECODERS_ONLY "Build only the decoders of outside bytes, their unit tests and fuzz targets" OFF)
option(PANIC_FUZZ "Build the libFuzzer targets of tests/fuzz (needs clang; implies PANIC_DECODERS_ONLY and PANIC_SANITIZE)" OFF)

if(PANIC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "PANIC_FUZZ=ON needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14 "
                        "(Debian packages clang-14 and libfuzzer-14-dev)")
  endif()
  set(PANIC_DECODERS_ONLY ON CACHE BOOL "" FORCE)
  set(PANIC_SANITIZE ON CACHE BOOL "" FORCE)
endif()

if(PANIC_SANITIZE)
  set(PANIC_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${PANIC_SANITIZER_FLAGS})
  add_link_options(${PANIC_SANITIZER_FLAGS})
endif()
