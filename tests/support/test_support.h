// Helpers shared by the test executables: temporary folders, running the built CLI or
// any shell command with captured output, and finding the Debian oracles.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace panic::testing {

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `command` with /bin/sh, capturing stdout and stderr separately.
CommandResult RunShell(const std::string& command);
// Runs the built panic-tda with these arguments (each shell-quoted).
// `env` is prepended verbatim, e.g. "PANIC_TDA_DB=/tmp/x.db".
CommandResult RunCli(const std::vector<std::string>& args, const std::string& env = "");
std::string ShellQuote(const std::string& s);

// Starts the built panic-tda in the background (stdin from /dev/null, stdout and stderr
// appended to `log_file`) and returns its pid.
int SpawnCli(const std::vector<std::string>& args, const std::string& log_file);
// Waits for the child; returns its exit code, or 128 + signal when it was killed.
int WaitChild(int pid);

std::string SourcePath(const std::string& relative);  // inside the source tree
std::string CliPath();

// The folder of an npm test oracle that scripts/setup.sh installs (e.g. "hyparquet-1.33.0"
// under ~/.cache/panic-tda/), or $`env_var` when set; it holds node_modules/.
std::string NpmOracleRoot(const char* env_var, const std::string& cache_dir);
// The hyparquet folder (NpmOracleRoot("PANIC_TDA_HYPARQUET", "hyparquet-1.33.0")).
std::string HyparquetRoot();

// Debian's /usr/bin/python3 with numpy importable (the oracle for blobs and recipes).
bool HaveSystemNumpy();
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& contents);

}  // namespace panic::testing
