// Argument dispatch: global options, then <noun> <verb>, then the command's own
// arguments. Every command answers --help.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>

#include "panic/cli/command.h"
#include "panic/cli/output.h"
#include "panic/cli/signals.h"
#include "panic/core/utf8.h"
#include "panic/core/version.h"
#include "panic/models/registry.h"

namespace panic::cli {
namespace {

constexpr const char* kDefaultDb = "./panic_tda.db";

constexpr const char* kExitCodes =
    "exit codes: 0 ok, 1 runtime failure (I/O, a model, corrupt data, output that could not be\n"
    "written), 2 bad input or usage, 130 interrupted by Ctrl-C (what was committed is kept)\n";

// The plural nouns of the Python version (`panic-tda experiments list`).
std::string SingularNoun(const std::string& noun) {
  if (noun == "experiments") return "experiment";
  if (noun == "runs") return "run";
  if (noun == "models") return "model";
  return noun;
}

// `left` padded to `width` columns (characters, not bytes: "EXPERIMENT…" is 11 wide), or
// followed by two spaces when it is wider: the column of help text after it.
std::string PadColumn(const std::string& left, size_t width) {
  const size_t shown = DecodeUtf8(left).size();
  return left + std::string(shown < width ? width - shown : 2, ' ');
}

std::string CommandHelp(const CommandSpec& c) {
  std::ostringstream os;
  os << "usage: panic-tda [--db PATH] " << c.name();
  if (!c.options.empty()) os << " [options]";
  if (!c.arguments.empty()) os << " [--] " << c.arguments;
  os << "\n\n" << c.summary << "\n";
  if (!c.details.empty()) os << "\n" << c.details << "\n";
  if (!c.options.empty()) {
    os << "\noptions:\n";
    for (const auto& o : c.options) {
      os << PadColumn("  --" + o.name + (o.value_name.empty() ? "" : " " + o.value_name), 28) << o.help << "\n";
    }
  }
  os << "\nglobal options:\n"
     << "  --db PATH                   database file (default ./panic_tda.db, or $PANIC_TDA_DB)\n"
     << "  --json                      the same as --format json\n"
     << "  --python PATH               Python interpreter of the model worker (default $PANIC_TDA_PYTHON,\n"
     << "                              options.python, /usr/bin/python3)\n"
     << "  --                          ends the options: what follows is arguments, even '--help'\n"
     << "\n" << kExitCodes;
  return os.str();
}

std::string MainHelp(const std::vector<CommandSpec>& cmds) {
  std::ostringstream os;
  os << "panic-tda " << kPanicVersion << " — generative-model feedback loops and their topology\n\n"
     << "usage: panic-tda [--db PATH] <noun> <verb> [args] [options] [--] [args]\n\n"
     << "commands:\n";
  for (const auto& c : cmds) {
    os << PadColumn("  " + c.name() + (c.arguments.empty() ? "" : " " + c.arguments), 36) << c.summary
       << "\n";
  }
  os << "\nglobal options:\n"
     << "  --db PATH     database file (default ./panic_tda.db, or $PANIC_TDA_DB)\n"
     << "  --format FMT  every command: text (default) or json; some also take binary formats\n"
     << "  --json        the same as --format json\n"
     << "  --python PATH Python interpreter of the model worker (default $PANIC_TDA_PYTHON, options.python,\n"
     << "                /usr/bin/python3)\n"
     << "  --help        this text; `panic-tda <noun> <verb> --help` for one command\n"
     << "  --version     print the version\n"
     << "  --            ends the options: what follows is arguments, even '--help'\n\n"
     << "nouns may be plural (experiments, runs, models). Runs are named by id, unique prefix,\n"
     << "EXP#N (run number N of experiment EXP, e.g. latest#3) or latest; experiments by id,\n"
     << "unique prefix or latest. $PANIC_TDA_LOG names a file that also gets the log lines\n"
     << "(retries, restarts, failures).\n\n"
     << kExitCodes;
  return os.str();
}

// Parses the command's own arguments. Unknown options are usage errors.
Result<ParsedArgs> ParseCommandArgs(const CommandSpec& spec, const std::vector<std::string>& args) {
  ParsedArgs parsed;
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positional || a.size() < 2 || a.rfind("--", 0) != 0) {
      parsed.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const OptionSpec* opt = nullptr;
    for (const auto& o : spec.options) {
      if (o.name == name) opt = &o;
    }
    if (!opt) {
      std::string known;
      for (const auto& o : spec.options) known += (known.empty() ? "--" : ", --") + o.name;
      return Status::InvalidArgument("unknown option '--" + name + "' for '" + spec.name() +
                                     "'" + (known.empty() ? " (it takes no options)" : "; known: " + known));
    }
    if (opt->value_name.empty()) {
      if (inline_value) return Status::InvalidArgument("option --" + name + " takes no value");
      parsed.values[name].push_back("");
      continue;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Status::InvalidArgument("option --" + name + " needs a value (" + opt->value_name + ")");
    }
    if (!opt->repeatable && parsed.values.count(name)) {
      return Status::InvalidArgument("option --" + name + " given more than once");
    }
    parsed.values[name].push_back(value);
  }
  if (parsed.positional.size() < spec.min_positional || parsed.positional.size() > spec.max_positional) {
    return Status::InvalidArgument("'" + spec.name() + "' expects " +
                                   (spec.arguments.empty() ? std::string("no arguments") : spec.arguments) +
                                   ", got " + std::to_string(parsed.positional.size()) + " argument(s)");
  }
  return parsed;
}

// The text/json choice of commands without binary formats: --format text|json, --json
// being --format json.
Status ApplyFormatOption(const ParsedArgs& args, Context& ctx) {
  auto format = args.Get("format");
  if (!format) return Status::Ok();
  if (*format != "text" && *format != "json") {
    // `export image x --format png --output x.jpg`: a file's format here is its extension.
    const auto output = args.Get("output");
    return Status::InvalidArgument("--format: '" + *format + "' is not one of: text, json" +
                                   (output ? " (how the command reports; the file's format is --output's extension: '" +
                                                 *output + "')"
                                           : std::string()));
  }
  if (ctx.json && *format != "json") {
    return Status::InvalidArgument("--json means --format json; it contradicts --format " + *format);
  }
  ctx.json = *format == "json";
  return Status::Ok();
}

}  // namespace

int Main(int argc, char** argv) {
  const char* env_db = std::getenv("PANIC_TDA_DB");
  Context ctx{env_db && *env_db ? env_db : kDefaultDb, false, isatty(STDOUT_FILENO) == 1,
              isatty(STDERR_FILENO) == 1, std::cout, std::cerr};
  const std::vector<CommandSpec> cmds = AllCommands();

  // A closed standard output: refuse before anything is done (and before a file opened
  // later could take descriptor 1).
  if (fcntl(STDOUT_FILENO, F_GETFD) == -1) {
    ctx.err << "error: standard output is closed; nothing was done\n";
    return kExitFailure;
  }
  InstallBrokenPipeHandler();

  // Global options may stand anywhere before "--"; the rest keeps its order.
  std::vector<std::string> rest;
  // --format given before the command (the main help lists it as global): the command's own
  // option, handed to it ahead of its other arguments.
  std::vector<std::string> leading_format;
  bool help = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {  // ends option parsing: the rest goes to the command's arguments
      for (; i < argc; ++i) rest.push_back(argv[i]);
      break;
    }
    if (a == "--db" || a.rfind("--db=", 0) == 0) {
      if (a == "--db") {
        if (i + 1 >= argc) {
          ctx.err << "error: --db needs a value (PATH)\n";
          return kExitUsage;
        }
        ctx.db_path = argv[++i];
      } else {
        ctx.db_path = a.substr(5);
      }
    } else if (a == "--python" || a.rfind("--python=", 0) == 0) {
      if (a == "--python" && i + 1 >= argc) {
        ctx.err << "error: --python needs a value (PATH)\n";
        return kExitUsage;
      }
      models::ModelRegistry::Default().SetBackendOption(models::kPythonInterpreterOption,
                                                        a == "--python" ? argv[++i] : a.substr(9));
    } else if (rest.empty() && (a == "--format" || a.rfind("--format=", 0) == 0)) {
      leading_format.push_back(a);
      if (a == "--format") {
        if (i + 1 >= argc) {
          ctx.err << "error: --format needs a value (FMT)\n";
          return kExitUsage;
        }
        leading_format.push_back(argv[++i]);
      }
    } else if (a == "--json") {
      ctx.json = true;
    } else if (a == "--help" || a == "-h") {
      help = true;
    } else if (a == "--version") {
      ctx.out << "panic-tda " << kPanicVersion << "\n";
      Status flushed = FlushStandardOutput(ctx);
      return flushed.ok() ? kExitOk : ReportError(flushed, ctx);
    } else {
      rest.push_back(a);
    }
  }
  if (!rest.empty()) rest[0] = SingularNoun(rest[0]);
  if (rest.empty() || rest[0] == "--") {
    (help ? ctx.out : ctx.err) << MainHelp(cmds);
    return help ? kExitOk : kExitUsage;
  }
  std::set<std::string> nouns;
  for (const auto& c : cmds) nouns.insert(c.noun);
  if (!nouns.count(rest[0]) && rest[0].rfind("--", 0) == 0) {
    ctx.err << "error: unknown option '" << rest[0]
            << "' (before the command: --db, --json, --python, --help, --version; a command's own options "
               "follow it)\n\n"
            << MainHelp(cmds);
    return kExitUsage;
  }
  if (!nouns.count(rest[0])) {
    ctx.err << "error: unknown command '" << rest[0] << "'\n\n" << MainHelp(cmds);
    return kExitUsage;
  }
  const CommandSpec* spec = nullptr;
  for (const auto& c : cmds) {
    if (c.noun == rest[0] && c.verb.empty()) spec = &c;  // a command without verbs (`doctor`)
  }
  const size_t words = spec ? 1 : 2;
  if (!spec && rest.size() >= 2) {
    for (const auto& c : cmds) {
      if (c.noun == rest[0] && c.verb == rest[1]) spec = &c;
    }
  }
  if (!spec) {
    std::ostream& os = help && rest.size() == 1 ? ctx.out : ctx.err;
    std::string verbs;
    size_t width = 0;  // the summaries stand in one column, as in the main help
    for (const auto& c : cmds) {
      if (c.noun != rest[0]) continue;
      verbs += (verbs.empty() ? "" : ", ") + c.verb;
      width = std::max(width, DecodeUtf8("  " + c.name() + " " + c.arguments).size() + 2);
    }
    if (rest.size() >= 2) {
      os << "error: unknown command '" << rest[0] << " " << rest[1] << "'\n\n";
    } else if (!help) {
      os << "error: '" << rest[0] << "' needs a command after it: " << verbs << "\n\n";
    }
    os << "'" << rest[0] << "' commands:\n";
    for (const auto& c : cmds) {
      if (c.noun == rest[0]) os << PadColumn("  " + c.name() + " " + c.arguments, width) << c.summary << "\n";
    }
    return help && rest.size() == 1 ? kExitOk : kExitUsage;
  }
  if (help) {
    ctx.out << CommandHelp(*spec);
    return kExitOk;
  }
  std::vector<std::string> args = leading_format;
  args.insert(args.end(), rest.begin() + static_cast<std::ptrdiff_t>(words), rest.end());
  auto parsed = ParseCommandArgs(*spec, args);
  if (parsed.ok() && spec->format_choice) {
    Status format = ApplyFormatOption(*parsed, ctx);
    if (!format.ok()) parsed = format;
  }
  if (!parsed.ok()) {
    ctx.err << "error: " << parsed.status().message() << "\n\n" << CommandHelp(*spec);
    return kExitUsage;
  }
  int code = kExitFailure;
  try {
    code = spec->run(*parsed, ctx);
  } catch (const std::exception& e) {
    ctx.err << "error: internal: " << e.what() << "\n";
    return kExitFailure;
  }
  // Writing the output is part of the command: a write that failed fails it.
  Status flushed = FlushStandardOutput(ctx);
  // The reader of the pipe has gone (`| head`): the command has ended and closed what it
  // opened; end as a killed writer of a pipe does, silently (signals.h).
  if (!flushed.ok() && BrokenPipeSeen()) DieOfBrokenPipe();
  if (!flushed.ok()) {
    ctx.err << "error: " << flushed.message() << "\n";
    return code == kExitOk ? kExitFailure : code;
  }
  return code;
}

}  // namespace panic::cli
