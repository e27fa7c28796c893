# The optional ONNX Runtime backend (src/panic/models/onnx/, docs/ONNX.md).
#
#   -DPANIC_WITH_ONNX=AUTO   (default) on when scripts/fetch_onnxruntime.sh has fetched the runtime
#   -DPANIC_WITH_ONNX=ON     required: configuration stops when the runtime is missing
#   -DPANIC_WITH_ONNX=OFF    never; `panic-tda model list` then says why ONNX models cannot run
#   -DPANIC_ONNXRUNTIME_ROOT=DIR  a folder with include/onnxruntime_cxx_api.h and lib/libonnxruntime.so
#                                 (default: where scripts/fetch_onnxruntime.sh puts it)
#
# Without the runtime only models/onnx/onnx_session.cpp changes: it is replaced by
# onnx_session_without_runtime.cpp, which reports the reason; the tokenizers, manifests and
# schedulers still build and are tested.
set(PANIC_WITH_ONNX AUTO CACHE STRING "Build the ONNX Runtime backend: AUTO, ON or OFF")
set_property(CACHE PANIC_WITH_ONNX PROPERTY STRINGS AUTO ON OFF)

if(DEFINED ENV{PANIC_TDA_ONNXRUNTIME} AND NOT "$ENV{PANIC_TDA_ONNXRUNTIME}" STREQUAL "")
  set(_panic_ort_default "$ENV{PANIC_TDA_ONNXRUNTIME}")
elseif(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(_panic_ort_default "$ENV{XDG_CACHE_HOME}/panic-tda/onnxruntime-1.29-asus4-0.4.9")
else()
  set(_panic_ort_default "$ENV{HOME}/.cache/panic-tda/onnxruntime-1.29-asus4-0.4.9")
endif()
set(PANIC_ONNXRUNTIME_ROOT "${_panic_ort_default}" CACHE PATH "ONNX Runtime folder (include/, lib/)")

function(panic_configure_onnx target)
  set(header "${PANIC_ONNXRUNTIME_ROOT}/include/onnxruntime_cxx_api.h")
  set(library "${PANIC_ONNXRUNTIME_ROOT}/lib/libonnxruntime.so")
  set(found OFF)
  if(EXISTS "${header}" AND EXISTS "${library}")
    set(found ON)
  endif()
  if(PANIC_WITH_ONNX STREQUAL "ON" AND NOT found)
    message(FATAL_ERROR "PANIC_WITH_ONNX=ON but ONNX Runtime is not in ${PANIC_ONNXRUNTIME_ROOT}: "
                        "run scripts/fetch_onnxruntime.sh or set PANIC_ONNXRUNTIME_ROOT")
  endif()
  get_target_property(srcs ${target} SOURCES)
  if(found AND NOT PANIC_WITH_ONNX STREQUAL "OFF")
    message(STATUS "ONNX backend: on (${PANIC_ONNXRUNTIME_ROOT})")
    list(FILTER srcs EXCLUDE REGEX "models/onnx/onnx_session_without_runtime\\.cpp$")
    add_library(panic_onnxruntime SHARED IMPORTED GLOBAL)
    set_target_properties(panic_onnxruntime PROPERTIES
      IMPORTED_LOCATION "${library}"
      IMPORTED_SONAME "libonnxruntime.so.1"
      INTERFACE_INCLUDE_DIRECTORIES "${PANIC_ONNXRUNTIME_ROOT}/include")
    target_link_libraries(${target} PUBLIC panic_onnxruntime)
    target_compile_definitions(${target} PUBLIC PANIC_WITH_ONNXRUNTIME=1)
  else()
    if(PANIC_WITH_ONNX STREQUAL "OFF")
      set(reason "panic-tda was built without ONNX Runtime (-DPANIC_WITH_ONNX=OFF)")
    else()
      set(reason "panic-tda was built without ONNX Runtime (not found in ${PANIC_ONNXRUNTIME_ROOT}: run scripts/fetch_onnxruntime.sh, then reconfigure)")
    endif()
    message(STATUS "ONNX backend: off — ${reason}")
    list(FILTER srcs EXCLUDE REGEX "models/onnx/onnx_session\\.cpp$")
    set_source_files_properties(${PROJECT_SOURCE_DIR}/src/panic/models/onnx/onnx_session_without_runtime.cpp
                                PROPERTIES COMPILE_DEFINITIONS "PANIC_ONNX_UNAVAILABLE_REASON=\"${reason}\"")
    target_compile_definitions(${target} PUBLIC PANIC_WITH_ONNXRUNTIME=0)
  endif()
  set_property(TARGET ${target} PROPERTY SOURCES ${srcs})
endfunction()
