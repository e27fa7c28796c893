// `panic-tda doctor [--experiment ID] [--fix]`: prints engine/doctor.h's report
// (docs/DOCTOR.md has the JSON schema).
#include <nlohmann/json.hpp>
#include <ostream>

#include "panic/cli/cli_common.h"
#include "panic/cli/command.h"
#include "panic/cli/legacy_commands.h"
#include "panic/cli/progress_printer.h"
#include "panic/cli/signals.h"
#include "panic/core/parallel.h"
#include "panic/engine/doctor.h"

namespace panic::cli {
namespace {

nlohmann::json FindingsJson(const std::vector<store::integrity::Finding>& findings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : findings) {
    out.push_back({{"check", f.check},
                   {"description", f.description},
                   {"fixable", f.fixable},
                   {"scope", f.global ? "database" : "experiment"},
                   {"count", f.count},
                   {"examples", f.examples},
                   {"seconds", f.seconds},
                   {"cpu_seconds", f.cpu_seconds}});
  }
  return out;
}

void PrintFindings(std::ostream& os, const std::vector<store::integrity::Finding>& findings) {
  size_t width = 0;
  for (const auto& f : findings) width = std::max(width, f.check.size());
  for (const auto& f : findings) {
    if (f.count == 0) continue;
    std::string name = f.check;
    name.resize(width, ' ');
    os << "  " << name << "  " << f.count << "  " << f.description << (f.fixable ? "" : " (not fixable)") << "\n";
    for (const auto& e : f.examples) os << "      e.g. " << e << "\n";
  }
}

int DoctorCommand(const ParsedArgs& args, Context& ctx) {
  engine::DoctorOptions options;
  options.experiment_id = args.Get("experiment").value_or("");
  options.fix = args.Has("fix");
  options.decode_images = args.Has("decode-images");
  options.sqlite_check = args.Has("full") ? store::integrity::SqliteCheck::kFull : store::integrity::SqliteCheck::kQuick;
  auto threads = args.GetThreads(DefaultThreads());
  if (!threads.ok()) return ReportError(threads.status(), ctx);
  options.pipeline.threads = *threads;
  ProgressPrinter printer(ctx.err, ctx.stderr_is_tty);
  options.pipeline.progress = [&printer](const engine::ProgressEvent& e) { printer(e); };
  options.pipeline.cancel = &InstallCancelHandlers();

  if (options.fix) {
    if (Status empty = RefuseEmptyDatabase(ctx); !empty.ok()) return ReportError(empty, ctx);
  }
  auto report = engine::RunDoctor(ctx.db_path, models::ModelRegistry::Default(), options);
  if (!report.ok()) {
    if (report.status().code() == StatusCode::kCancelled) {
      ctx.err << (options.fix ? "\ninterrupted; every repair committed so far is kept\n"
                              : "\ninterrupted; the checks stopped, nothing was changed\n");
      return kExitInterrupted;
    }
    return ReportError(report.status(), ctx);
  }
  const engine::DoctorReport& r = *report;
  if (ctx.json) {
    nlohmann::json j = {{"database", r.database},
                        {"experiment_id", r.experiment_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.experiment_id)},
                        {"fix", options.fix},
                        {"clean", r.clean()},
                        {"issues", r.issues()},
                        {"check_seconds", r.check_seconds},
                        {"findings", FindingsJson(r.findings)}};
    nlohmann::json repairs = nlohmann::json::array();
    for (const auto& rep : r.repairs) {
      repairs.push_back({{"name", rep.name}, {"rows", rep.rows},
                         {"error", rep.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(rep.error)}});
    }
    j["repairs"] = repairs;
    j["remaining"] = r.rechecked ? FindingsJson(r.remaining) : nlohmann::json(nullptr);
    PrintJson(ctx, j);
  } else {
    int64_t found = 0;
    for (const auto& f : r.findings) found += f.count;
    ctx.out << "database " << r.database << (r.experiment_id.empty() ? "" : ", experiment " + r.experiment_id) << ": "
            << r.findings.size() << " checks in " << static_cast<int64_t>(r.check_seconds * 1000) << " ms, "
            << (found == 0 ? "no issues\n" : std::to_string(found) + " issue(s):\n");
    PrintFindings(ctx.out, r.findings);
    if (!r.repairs.empty()) {
      ctx.out << "repairs:\n";
      for (const auto& rep : r.repairs) {
        ctx.out << "  " << rep.name << ": " << rep.rows << (rep.error.empty() ? "" : " — failed: " + rep.error) << "\n";
      }
    }
    if (r.rechecked) {
      ctx.out << "after repairs: " << (r.clean() ? "no issues\n" : std::to_string(r.issues()) + " issue(s) remain:\n");
      PrintFindings(ctx.out, r.remaining);
    } else if (found > 0 && !options.fix) {
      ctx.out << "`panic-tda doctor --fix` repairs the fixable ones\n";
    }
  }
  return r.clean() ? kExitOk : kExitFailure;
}

}  // namespace

CommandSpec DoctorSpec() {
  return {"doctor", "", "check the database for damage, and repair it with --fix", "", 0, 0,
          {{"experiment", "ID", "check only this experiment (an id, a unique prefix or 'latest'); the SQLite and "
                                "orphan checks always cover the whole file"},
           {"fix", "", "repair: delete orphans and bad rows (and a clustering result whose medoid they deleted), "
                       "truncate damaged runs and resume them, then check again"},
           {"full", "", "SQLite's full integrity_check instead of quick_check: also verifies that every index "
                        "matches its table (slower on a large file)"},
           {"decode-images", "", "decode every image (WEBP, JPEG) instead of checking its structure: finds damage "
                                 "inside the compressed data (slow: milliseconds per image)"},
           {"threads", "N", "worker threads of the resumed pipelines with --fix, 1..1024 (default: all cores)"}},
          "Read-only unless --fix. Each kind of repair is one transaction; a kill during --fix leaves a\n"
          "consistent database. Exit 0 when clean (or clean after --fix), 1 when issues remain.\n"
          "Checks and the JSON report: docs/DOCTOR.md.",
          DoctorCommand};
}

std::vector<CommandSpec> LegacyCommands() {
  std::vector<CommandSpec> all = {DoctorSpec()};
  for (auto& c : ImportCommands()) all.push_back(std::move(c));
  return all;
}

}  // namespace panic::cli
