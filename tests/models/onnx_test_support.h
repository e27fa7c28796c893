// Shared by the ONNX backend's tests: graphs and model folders made once per test process
// with Debian's /usr/bin/python3 (python3-onnx, python3-numpy, python3-pil), in a temporary
// folder removed at exit.
#pragma once

#include <filesystem>

namespace panic::models::onnx {

// USELite exported by tools/onnx/use_lite_to_onnx.py (needs the weights of
// scripts/fetch_models.sh); empty when the export failed (the reason is printed).
const std::filesystem::path& UseLiteOnnxDir();

// The tiny random-weight models of tools/onnx/make_tiny_models.py, each a model folder
// (manifest.json, graphs, tokenizer) plus expected.json with the numpy/Pillow oracle's
// outputs; empty when the script failed.
const std::filesystem::path& TinyModelsDir();

}  // namespace panic::models::onnx

// Skips the test when this build has no ONNX Runtime (cmake -DPANIC_WITH_ONNX=OFF or the
// runtime not fetched): what needs a session cannot run then.
#define PANIC_SKIP_WITHOUT_ONNX_RUNTIME()                                                          \
  do {                                                                                            \
    if (!::panic::models::onnx::OnnxRuntimeBuiltIn()) {                                           \
      GTEST_SKIP() << ::panic::models::onnx::OnnxRuntimeUnavailableReason();                       \
    }                                                                                             \
  } while (0)
