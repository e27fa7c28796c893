// The CLI's command table: `panic-tda [--db PATH] [--json] <noun> <verb> [args] [options]`.
// A command is parsed against its CommandSpec, then run with a Context. Commands only
// parse, call the library and print; all logic a test needs lives below cli/.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic::cli {

// Exit codes, documented in the README.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // runtime failure (I/O, model, corruption)
inline constexpr int kExitUsage = 2;    // bad input: usage, config, arguments, unknown id
inline constexpr int kExitInterrupted = 130;  // Ctrl-C / SIGTERM; what was committed is kept

inline constexpr int kMaxThreads = 1024;  // the largest --threads of every command

struct OptionSpec {
  std::string name;        // without the leading "--"
  std::string value_name;  // empty: a flag without a value
  std::string help;
  bool repeatable = false;
};

class ParsedArgs {
 public:
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;  // option → each given value

  bool Has(const std::string& name) const { return values.count(name) > 0; }
  std::optional<std::string> Get(const std::string& name) const;
  // The option as an integer (default when absent); InvalidArgument names the option.
  Result<long long> GetInt(const std::string& name, long long default_value) const;
  Result<double> GetDouble(const std::string& name, double default_value) const;
  // One of `allowed` (default when absent).
  Result<std::string> GetChoice(const std::string& name, const std::vector<std::string>& allowed,
                                const std::string& default_value) const;

  // The one form of an option's bad value, as config errors have it: InvalidArgument
  // "--NAME: VALUE is not allowed (ALLOWED)", VALUE as it was given.
  Status NotAllowed(const std::string& name, const std::string& allowed) const;
  // The option as an integer in lo..hi (default when absent); out of range: NotAllowed with
  // "an integer LO..HI" ("an integer ≥ LO" when hi is LLONG_MAX), then "; " and `note`.
  Result<long long> GetIntIn(const std::string& name, long long default_value, long long lo, long long hi,
                             const std::string& note = "") const;
  // --threads: an integer 1..kMaxThreads (default when absent).
  Result<int> GetThreads(int default_value) const;
};

struct Context {
  std::string db_path;
  bool json = false;  // --json or --format json
  bool stdout_is_tty = false;
  bool stderr_is_tty = false;  // progress goes to stderr: a bar only when it is a terminal
  std::ostream& out;
  std::ostream& err;
};

struct CommandSpec {
  std::string noun;
  std::string verb;
  std::string summary;
  std::string arguments;  // e.g. "CONFIG" or "ID"
  size_t min_positional = 0;
  size_t max_positional = 0;  // SIZE_MAX for any number
  std::vector<OptionSpec> options;
  std::string details;  // extra help text, may be empty
  std::function<int(const ParsedArgs&, Context&)> run;
  // Set by AllCommands for commands without a --format of their own: they get
  // `--format text|json`, which Main applies to Context::json (--json is --format json).
  bool format_choice = false;
  // "experiment run", "serve" (a command without a verb has no trailing space).
  std::string name() const { return verb.empty() ? noun : noun + " " + verb; }
};

// Prints "error: <message>" and returns the exit code for the status:
// kExitUsage for InvalidArgument/NotFound/AlreadyExists, kExitFailure otherwise.
int ReportError(const Status& status, Context& ctx);

// The command groups, each defined in its own <noun>_commands.cpp.
std::vector<CommandSpec> ExperimentCommands();
std::vector<CommandSpec> RunCommands();
std::vector<CommandSpec> ModelCommands();
std::vector<CommandSpec> TdaCommands();
std::vector<CommandSpec> ClusterCommands();
std::vector<CommandSpec> ExportCommands();  // export_commands.cpp
std::vector<CommandSpec> LegacyCommands();  // doctor_commands.cpp, import_commands.cpp
std::vector<CommandSpec> AnalyseCommands();  // analyse_commands.cpp
std::vector<CommandSpec> ServeCommands();  // serve_commands.cpp
std::vector<CommandSpec> DbCommands();     // db_commands.cpp

std::vector<CommandSpec> AllCommands();

// Entry point of the executable; returns the process exit code.
int Main(int argc, char** argv);

}  // namespace panic::cli
