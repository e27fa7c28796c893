// The layer matrix of DESIGN.md §4 as src/panic/CMakeLists.txt declares it, and a check of
// every `#include "panic/<layer>/…"` in src/panic against it. The linker cannot enforce
// the layers (mold resolves static archives in any order, so an upward call links), so
// this check is what does.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic::testing {

struct LayerMatrix {
  // folder → the folders its files may include: itself and everything its
  // panic_layer(...) line links, transitively.
  std::map<std::string, std::set<std::string>> allowed;
};

// Parses the panic_layer(<target> <folder> <deps...>) calls of a CMakeLists.txt.
Result<LayerMatrix> ReadLayerMatrix(const std::filesystem::path& cmake_lists);

// One "<file>:<line>: <layer>/ may not include panic/<other>/ (allowed: …)" per upward or
// sideways include under src_panic (= src/panic), and one line per folder that is no layer.
std::vector<std::string> CheckLayering(const std::filesystem::path& src_panic, const LayerMatrix& matrix);

}  // namespace panic::testing
