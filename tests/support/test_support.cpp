#include "support/test_support.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace panic::testing {

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (int i = 0; i < 100; ++i) {
    auto p = base / ("panic_test_" + std::to_string(getpid()) + "_" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temp dir");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''"; else q += c;
  }
  return q + "'";
}

CommandResult RunShell(const std::string& command) {
  TempDir tmp;
  std::string out_file = tmp.File("stdout"), err_file = tmp.File("stderr");
  std::string full = "( " + command + " ) >" + out_file + " 2>" + err_file + " </dev/null";
  int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFile(out_file);
  r.err = ReadFile(err_file);
  return r;
}

std::string CliPath() { return PANIC_CLI_PATH; }
std::string NpmOracleRoot(const char* env_var, const std::string& cache_dir) {
  const char* env = std::getenv(env_var);
  const char* home = std::getenv("HOME");
  return env && *env ? env : std::string(home ? home : "") + "/.cache/panic-tda/" + cache_dir;
}

std::string HyparquetRoot() { return NpmOracleRoot("PANIC_TDA_HYPARQUET", "hyparquet-1.33.0"); }

std::string SourcePath(const std::string& relative) { return std::string(PANIC_SOURCE_DIR) + "/" + relative; }

CommandResult RunCli(const std::vector<std::string>& args, const std::string& env) {
  std::string cmd = env.empty() ? "" : env + " ";
  cmd += ShellQuote(CliPath());
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  return RunShell(cmd);
}

int SpawnCli(const std::vector<std::string>& args, const std::string& log_file) {
  std::vector<std::string> argv_store = {CliPath()};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    std::vector<char*> argv;
    for (auto& a : argv_store) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int WaitChild(int pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool HaveSystemNumpy() {
  static const bool have = RunShell("/usr/bin/python3 -c 'import numpy'").exit_code == 0;
  return have;
}

}  // namespace panic::testing
