# `experiment run|resume --mpi` (docs/MPI.md): Open MPI's C API, on when it is found.
# Off (or not found), src/panic/mpi/ still builds: the message codec, and a Session whose
# Start says the build has no MPI.
find_package(MPI COMPONENTS CXX QUIET)  # the C API, found through the C++ wrapper
option(PANIC_MPI "Build MPI execution (experiment run --mpi)" ${MPI_CXX_FOUND})
if(PANIC_MPI AND NOT MPI_CXX_FOUND)
  message(FATAL_ERROR "PANIC_MPI=ON but no MPI was found (Debian: apt-get install libopenmpi-dev openmpi-bin)")
endif()
function(panic_configure_mpi target)
  if(PANIC_MPI)
    target_link_libraries(${target} PUBLIC MPI::MPI_CXX)
    target_compile_definitions(${target} PRIVATE PANIC_HAVE_MPI=1)
  endif()
endfunction()
