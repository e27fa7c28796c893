# -DPANIC_SANITIZE=ON: every target is built with AddressSanitizer and UndefinedBehavior-
# Sanitizer (GCC or clang). Undefined behaviour aborts (no recovery), so a test that
# triggers it fails. scripts/test.sh builds the unit tests this way in build-asan/ when
# PANIC_CI_EXTRA=1 (.ci/run sets it).
#
# -DPANIC_FUZZ=ON (clang only): tests/fuzz builds libFuzzer binaries (fuzz_<name>) with
# -fsanitize=fuzzer,address,undefined instead of the corpus replayers; see tests/fuzz.
option(PANIC_SANITIZE "Build with AddressSanitizer + UndefinedBehaviorSanitizer" OFF)
option(PANIC_FUZZ "Build the libFuzzer targets of tests/fuzz (needs clang)" OFF)

if(PANIC_SANITIZE)
  set(PANIC_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${PANIC_SANITIZER_FLAGS})
  add_link_options(${PANIC_SANITIZER_FLAGS})
endif()

if(PANIC_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "PANIC_FUZZ=ON needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14 "
                      "(Debian packages clang-14 and libfuzzer-14-dev)")
endif()
