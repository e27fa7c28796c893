#include <iostream>

#include "models/onnx_test_support.h"
#include "support/test_support.h"

namespace panic::models::onnx {
namespace {

// Runs a generator script into a fresh folder of a process-lifetime temp dir.
std::filesystem::path Generate(const std::string& script, const std::string& folder) {
  static testing::TempDir root;  // removed with everything in it when the process exits
  const std::filesystem::path out = root.path() / folder;
  const auto r = testing::RunShell("/usr/bin/python3 " + testing::ShellQuote(testing::SourcePath(script)) + " " +
                                   testing::ShellQuote(out.string()));
  if (r.exit_code != 0) {
    std::cerr << script << " failed (" << r.exit_code << "):\n" << r.out << r.err << "\n";
    return {};
  }
  return out;
}

}  // namespace

const std::filesystem::path& UseLiteOnnxDir() {
  static const std::filesystem::path dir = Generate("tools/onnx/use_lite_to_onnx.py", "use_lite");
  return dir;
}

const std::filesystem::path& TinyModelsDir() {
  static const std::filesystem::path dir = Generate("tools/onnx/make_tiny_models.py", "tiny");
  return dir;
}

}  // namespace panic::models::onnx
