# Compiler launcher and linker: ccache and mold when present (they matter on 2 cores).
find_program(PANIC_CCACHE ccache)
if(PANIC_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${PANIC_CCACHE})
endif()
find_program(PANIC_MOLD mold)
if(PANIC_MOLD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_link_options(-fuse-ld=mold)
endif()

# Warnings apply to our own targets only (see panic_add_warnings).
function(panic_add_warnings target)
  # -Wmaybe-uninitialized is off: GCC 12 reports std::variant members (our Result<T> and
  # Payload) as uninitialized at -O2 where they are not (GCC bug 105562 and relatives).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor
                                             -Wno-maybe-uninitialized)
  else()  # clang (the fuzz build) has neither GCC-only option
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wnon-virtual-dtor)
  endif()
endfunction()

set(THREADS_PREFER_PTHREAD_FLAG ON)
