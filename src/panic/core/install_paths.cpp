#include "panic/core/install_paths.h"

#include <system_error>

namespace panic {

namespace fs = std::filesystem;

fs::path ExecutablePath() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe;
}

std::optional<fs::path> FindInstalledData(const std::string& relative) {
  const fs::path exe = ExecutablePath();
  if (exe.empty()) return std::nullopt;
  std::error_code ec;
  for (fs::path dir = exe.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    fs::path candidate = dir / "share" / "panic-tda" / relative;
    if (fs::exists(candidate, ec)) return candidate;
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

}  // namespace panic
