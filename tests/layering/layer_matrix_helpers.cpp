#include "layering/layer_matrix.h"

#include <fstream>
#include <regex>
#include <sstream>

namespace panic::testing {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

}  // namespace

Result<LayerMatrix> ReadLayerMatrix(const fs::path& cmake_lists) {
  const std::string text = Slurp(cmake_lists);
  if (text.empty()) return Status::NotFound(cmake_lists.string() + ": missing or empty");
  // panic_layer(<target> <folder> <link dependencies...>)
  static const std::regex kLayer(R"(panic_layer\(\s*(panic_\w+)\s+(\w+)([^)]*)\))");
  std::map<std::string, std::string> folder_of;  // target → folder
  std::map<std::string, std::vector<std::string>> direct;  // folder → dependency targets
  std::vector<std::string> order;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kLayer); it != std::sregex_iterator(); ++it) {
    const std::string target = (*it)[1], folder = (*it)[2];
    folder_of[target] = folder;
    order.push_back(folder);
    std::istringstream deps((*it)[3].str());
    for (std::string dep; deps >> dep;) {
      if (dep.rfind("panic_", 0) == 0) direct[folder].push_back(dep);
    }
  }
  if (order.empty()) return Status::InvalidArgument(cmake_lists.string() + ": no panic_layer(...) calls");
  LayerMatrix m;
  // A layer's dependencies are declared before it, so one pass in declaration order
  // closes the relation transitively.
  for (const std::string& folder : order) {
    std::set<std::string>& allowed = m.allowed[folder];
    allowed.insert(folder);
    for (const std::string& dep : direct[folder]) {
      auto f = folder_of.find(dep);
      if (f == folder_of.end() || f->second == folder || !m.allowed.count(f->second)) {
        return Status::InvalidArgument(cmake_lists.string() + ": layer " + folder + " links " + dep +
                                       ", which is declared after it or not at all");
      }
      const auto& below = m.allowed[f->second];
      allowed.insert(below.begin(), below.end());
    }
  }
  return m;
}

std::vector<std::string> CheckLayering(const fs::path& src_panic, const LayerMatrix& matrix) {
  std::vector<std::string> violations;
  static const std::regex kInclude(R"(^\s*#\s*include\s*[<"]panic/(\w+)/)");
  std::error_code ec;
  for (const auto& layer_dir : fs::directory_iterator(src_panic, ec)) {
    if (!layer_dir.is_directory()) continue;
    const std::string layer = layer_dir.path().filename().string();
    auto allowed = matrix.allowed.find(layer);
    if (allowed == matrix.allowed.end()) {
      violations.push_back(layer_dir.path().string() + ": folder '" + layer +
                           "' is not a layer of src/panic/CMakeLists.txt (add a panic_layer line)");
      continue;
    }
    for (const auto& entry : fs::recursive_directory_iterator(layer_dir.path())) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".h" && ext != ".cpp" && ext != ".inc")) continue;
      std::ifstream in(entry.path());
      std::string line;
      for (size_t line_no = 1; std::getline(in, line); ++line_no) {
        std::smatch match;
        if (!std::regex_search(line, match, kInclude)) continue;
        const std::string target = match[1];
        if (allowed->second.count(target)) continue;
        std::string list;
        for (const auto& a : allowed->second) list += (list.empty() ? "" : ", ") + a;
        violations.push_back(entry.path().string() + ":" + std::to_string(line_no) + ": " + layer +
                             "/ may not include panic/" + target + "/ (allowed: " + list + ")");
      }
    }
  }
  return violations;
}

}  // namespace panic::testing
