// Where the running program finds the files installed beside it, from the executable's own
// location (/proc/self/exe), never from a path baked in at build time, so an installed
// tree can be moved or copied as a whole.
//
//   <prefix>/bin/panic-tda
//   <prefix>/share/panic-tda/python/panic_worker/   the Python model worker
//   <prefix>/share/panic-tda/models/                 model weights (optional)
//
// The build tree has the same shape: CMake links <build>/share/panic-tda/python to the
// sources' python/ folder, and the executables sit in folders below <build>.
//
// Thread safety: reads /proc; safe from any thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace panic {

// The running executable (/proc/self/exe resolved); empty when it cannot be read.
std::filesystem::path ExecutablePath();

// <dir>/share/panic-tda/<relative> for the nearest dir — the executable's folder or one of
// its parents — where that path exists; nullopt when none has it.
std::optional<std::filesystem::path> FindInstalledData(const std::string& relative);

}  // namespace panic
