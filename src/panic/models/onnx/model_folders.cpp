#include "panic/models/onnx/model_folders.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <system_error>

#include "panic/models/native/model_dir.h"

namespace panic::models::onnx {

std::vector<std::filesystem::path> OnnxModelRoots() {
  std::vector<std::filesystem::path> roots;
  if (const char* path = std::getenv("PANIC_TDA_ONNX_PATH")) {
    std::string list = path;
    size_t at = 0;
    while (at <= list.size()) {
      size_t end = list.find(':', at);
      if (end == std::string::npos) end = list.size();
      if (end > at) roots.emplace_back(list.substr(at, end - at));
      at = end + 1;
    }
  }
  roots.push_back(native::NativeModelsRoot() / "onnx");
  return roots;
}

std::vector<FoundModel> FindOnnxModelFolders() {
  std::vector<FoundModel> found;
  std::set<std::string> names;
  for (const auto& root : OnnxModelRoots()) {
    std::error_code ec;
    std::vector<FoundModel> here;
    for (std::filesystem::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code ec2;
      if (it->is_directory(ec2) && std::filesystem::exists(it->path() / "manifest.json", ec2)) {
        here.push_back({it->path().filename().string(), it->path()});
      }
    }
    std::sort(here.begin(), here.end(), [](const FoundModel& a, const FoundModel& b) { return a.name < b.name; });
    for (auto& m : here) {
      if (names.insert(m.name).second) found.push_back(std::move(m));
    }
  }
  return found;
}

}  // namespace panic::models::onnx
