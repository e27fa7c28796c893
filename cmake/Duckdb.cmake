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
include(${CMAKE_CURRENT_LIST_DIR}/OptionalPrebuilt.cmake)
panic_optional_prebuilt_options(OPTION PANIC_WITH_DUCKDB ROOT_VAR PANIC_DUCKDB_ROOT
  ENV_VAR PANIC_TDA_DUCKDB CACHE_DIR duckdb-1.5.6 LABEL "DuckDB")

function(panic_configure_duckdb target)
  panic_optional_prebuilt(${target}
    OPTION PANIC_WITH_DUCKDB ROOT_VAR PANIC_DUCKDB_ROOT LABEL "DuckDB"
    HEADER include/duckdb.h LIBRARY lib/libduckdb.so
    SONAME libduckdb.so IMPORTED panic_duckdb
    FETCH_SCRIPT scripts/fetch_duckdb.sh
    WITH_SOURCE export/parquet_sink_duckdb.cpp
    WITHOUT_SOURCE export/parquet_sink_without_duckdb.cpp
    REASON_DEFINE PANIC_DUCKDB_UNAVAILABLE_REASON
    REASON_ADVICE "Use --format csv"
    INSTALL_LIBRARY)
endfunction()
