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
include(${CMAKE_CURRENT_LIST_DIR}/OptionalPrebuilt.cmake)
panic_optional_prebuilt_options(OPTION PANIC_WITH_ONNX ROOT_VAR PANIC_ONNXRUNTIME_ROOT
  ENV_VAR PANIC_TDA_ONNXRUNTIME CACHE_DIR onnxruntime-1.29-asus4-0.4.9 LABEL "ONNX Runtime")

function(panic_configure_onnx target)
  panic_optional_prebuilt(${target}
    OPTION PANIC_WITH_ONNX ROOT_VAR PANIC_ONNXRUNTIME_ROOT LABEL "ONNX Runtime"
    HEADER include/onnxruntime_cxx_api.h LIBRARY lib/libonnxruntime.so
    SONAME libonnxruntime.so.1 IMPORTED panic_onnxruntime
    FETCH_SCRIPT scripts/fetch_onnxruntime.sh
    WITH_SOURCE models/onnx/onnx_session.cpp
    WITHOUT_SOURCE models/onnx/onnx_session_without_runtime.cpp
    REASON_DEFINE PANIC_ONNX_UNAVAILABLE_REASON
    FOUND_DEFINE PANIC_WITH_ONNXRUNTIME)
endfunction()
