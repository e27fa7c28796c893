#include "support/test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
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
std::string SourcePath(const std::string& relative) { return std::string(PANIC_SOURCE_DIR) + "/" + relative; }

CommandResult RunCli(const std::vector<std::string>& args, const std::string& env) {
  std::string cmd = env.empty() ? "" : env + " ";
  cmd += ShellQuote(CliPath());
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  return RunShell(cmd);
}

bool HaveSystemNumpy() {
  static const bool have = RunShell("/usr/bin/python3 -c 'import numpy'").exit_code == 0;
  return have;
}

}  // namespace panic::testing
