# The optional DuckDB library behind `export data --format parquet` (src/panic/export/
# parquet_sink*.cpp, docs/ANALYSIS.md "Export").
#
#   -DPANIC_WITH_DUCKDB=AUTO   (default) on when scripts/fetch_duckdb.sh has fetched it
#   -DPANIC_WITH_DUCKDB=ON     required: configuration stops when it is missing
#   -DPANIC_WITH_DUCKDB=OFF    never; --format parquet then says why it cannot
#   -DPANIC_DUCKDB_ROOT=DIR    a folder with include/duckdb.h and lib/libduckdb.so
#                              (default: where scripts/fetch_duckdb.sh puts it)
#
# Without it only export/parquet_sink_duckdb.cpp is replaced, by
# parquet_sink_without_duckdb.cpp, which reports the reason; CSV export is unaffected.
set(PANIC_WITH_DUCKDB AUTO CACHE STRING "Build Parquet export through DuckDB: AUTO, ON or OFF")
set_property(CACHE PANIC_WITH_DUCKDB PROPERTY STRINGS AUTO ON OFF)

if(DEFINED ENV{PANIC_TDA_DUCKDB} AND NOT "$ENV{PANIC_TDA_DUCKDB}" STREQUAL "")
  set(_panic_duckdb_default "$ENV{PANIC_TDA_DUCKDB}")
elseif(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(_panic_duckdb_default "$ENV{XDG_CACHE_HOME}/panic-tda/duckdb-1.5.6")
else()
  set(_panic_duckdb_default "$ENV{HOME}/.cache/panic-tda/duckdb-1.5.6")
endif()
set(PANIC_DUCKDB_ROOT "${_panic_duckdb_default}" CACHE PATH "DuckDB folder (include/duckdb.h, lib/libduckdb.so)")

function(panic_configure_duckdb target)
  set(header "${PANIC_DUCKDB_ROOT}/include/duckdb.h")
  set(library "${PANIC_DUCKDB_ROOT}/lib/libduckdb.so")
  set(found OFF)
  if(EXISTS "${header}" AND EXISTS "${library}")
    set(found ON)
  endif()
  if(PANIC_WITH_DUCKDB STREQUAL "ON" AND NOT found)
    message(FATAL_ERROR "PANIC_WITH_DUCKDB=ON but DuckDB is not in ${PANIC_DUCKDB_ROOT}: "
                        "run scripts/fetch_duckdb.sh or set PANIC_DUCKDB_ROOT")
  endif()
  get_target_property(srcs ${target} SOURCES)
  if(found AND NOT PANIC_WITH_DUCKDB STREQUAL "OFF")
    message(STATUS "Parquet export (DuckDB): on (${PANIC_DUCKDB_ROOT})")
    list(FILTER srcs EXCLUDE REGEX "export/parquet_sink_without_duckdb\\.cpp$")
    add_library(panic_duckdb SHARED IMPORTED GLOBAL)
    set_target_properties(panic_duckdb PROPERTIES
      IMPORTED_LOCATION "${library}"
      IMPORTED_SONAME "libduckdb.so"
      INTERFACE_INCLUDE_DIRECTORIES "${PANIC_DUCKDB_ROOT}/include")
    target_link_libraries(${target} PUBLIC panic_duckdb)
    # The installed tree carries the library in P/lib (found through $ORIGIN/../lib).
    install(FILES "${library}" DESTINATION lib)
  else()
    if(PANIC_WITH_DUCKDB STREQUAL "OFF")
      set(reason "panic-tda was built without DuckDB (-DPANIC_WITH_DUCKDB=OFF); use --format csv")
    else()
      set(reason "panic-tda was built without DuckDB (not found in ${PANIC_DUCKDB_ROOT}: run scripts/fetch_duckdb.sh, then reconfigure); use --format csv")
    endif()
    message(STATUS "Parquet export (DuckDB): off — ${reason}")
    list(FILTER srcs EXCLUDE REGEX "export/parquet_sink_duckdb\\.cpp$")
    set_source_files_properties(${PROJECT_SOURCE_DIR}/src/panic/export/parquet_sink_without_duckdb.cpp
                                PROPERTIES COMPILE_DEFINITIONS "PANIC_DUCKDB_UNAVAILABLE_REASON=\"${reason}\"")
  endif()
  set_property(TARGET ${target} PROPERTY SOURCES ${srcs})
endfunction()
