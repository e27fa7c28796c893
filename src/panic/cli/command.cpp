#include "panic/cli/command.h"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <ostream>

namespace panic::cli {

std::optional<std::string> ParsedArgs::Get(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

Result<long long> ParsedArgs::GetInt(const std::string& name, long long default_value) const {
  auto v = Get(name);
  if (!v) return default_value;
  errno = 0;
  char* end = nullptr;
  long long x = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno != 0) {
    return Status::InvalidArgument("--" + name + ": '" + *v + "' is not an integer");
  }
  return x;
}

Result<double> ParsedArgs::GetDouble(const std::string& name, double default_value) const {
  auto v = Get(name);
  if (!v) return default_value;
  errno = 0;
  char* end = nullptr;
  double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || errno != 0) {
    return Status::InvalidArgument("--" + name + ": '" + *v + "' is not a number");
  }
  return x;
}

Result<std::string> ParsedArgs::GetChoice(const std::string& name, const std::vector<std::string>& allowed,
                                          const std::string& default_value) const {
  auto v = Get(name);
  if (!v) return default_value;
  for (const auto& a : allowed) {
    if (*v == a) return *v;
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return Status::InvalidArgument("--" + name + ": '" + *v + "' is not one of: " + list);
}

Status ParsedArgs::NotAllowed(const std::string& name, const std::string& allowed) const {
  return Status::InvalidArgument("--" + name + ": " + Get(name).value_or("") + " is not allowed (" + allowed + ")");
}

Result<long long> ParsedArgs::GetIntIn(const std::string& name, long long default_value, long long lo, long long hi,
                                       const std::string& note) const {
  PANIC_ASSIGN_OR_RETURN(long long v, GetInt(name, default_value));
  if (v >= lo && v <= hi) return v;
  std::string allowed = "an integer " + (hi == std::numeric_limits<long long>::max()
                                             ? "≥ " + std::to_string(lo)
                                             : std::to_string(lo) + ".." + std::to_string(hi));
  return NotAllowed(name, note.empty() ? allowed : allowed + "; " + note);
}

Result<int> ParsedArgs::GetThreads(int default_value) const {
  PANIC_ASSIGN_OR_RETURN(long long threads, GetIntIn("threads", default_value, 1, kMaxThreads));
  return static_cast<int>(threads);
}

int ReportError(const Status& status, Context& ctx) {
  ctx.err << "error: " << status.message() << "\n";
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

std::vector<CommandSpec> AllCommands() {
  std::vector<CommandSpec> all;
  for (auto group : {ExperimentCommands, RunCommands, ModelCommands, TdaCommands, ClusterCommands, ExportCommands, LegacyCommands,
                     AnalyseCommands, ServeCommands, DbCommands}) {
    auto cmds = group();
    all.insert(all.end(), cmds.begin(), cmds.end());
  }
  // One flag style: every command takes --format; those that print only text or JSON get
  // it here.
  for (auto& c : all) {
    bool own = false;
    for (const auto& o : c.options) own = own || o.name == "format";
    if (own) continue;
    c.options.push_back({"format", "FMT", "text (default) or json (--json is the same as --format json)"});
    c.format_choice = true;
  }
  return all;
}

}  // namespace panic::cli
