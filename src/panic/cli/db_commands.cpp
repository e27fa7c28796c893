// `panic-tda db merge A.db B.db … --into C.db`: the union of databases written apart (Slurm
// job arrays), ids kept (store/merge_databases.h). Each source is one transaction of the
// target; a source that conflicts is refused with its conflicts named and the others are
// still merged (exit 2 then). --rename-conflicts copies the conflicting experiments (and
// clustering results) under new ids instead, and names each renamed id.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "panic/cli/cli_common.h"
#include "panic/cli/command.h"
#include "panic/cli/output.h"
#include "panic/store/merge_databases.h"

namespace panic::cli {
namespace {

bool SameFile(const std::string& a, const std::string& b) {
  std::error_code ec;
  return std::filesystem::exists(a, ec) && std::filesystem::exists(b, ec) && std::filesystem::equivalent(a, b, ec);
}

int RunDbMerge(const ParsedArgs& args, Context& ctx) {
  const auto into = args.Get("into");
  if (!into || into->empty()) {
    return ReportError(Status::InvalidArgument("--into: the target database is required (db merge A.db B.db --into C.db)"), ctx);
  }
  // Every source is checked before the target is opened (or created): a missing, foreign,
  // empty or older file refuses the whole merge and nothing is written. Conflicts are found
  // only while merging; a source with conflicts is refused alone.
  Status refused = Status::Ok();
  for (const auto& source : args.positional) {
    Status checked = SameFile(source, *into)
                         ? Status::InvalidArgument("source '" + source + "' is the target database --into itself")
                         : store::CheckMergeSource(source);
    if (checked.ok()) continue;
    if (!refused.ok()) ctx.err << "error: " << refused.message() << "\n";
    refused = checked;
  }
  if (!refused.ok()) {
    ctx.err << "nothing was merged";
    if (!std::filesystem::exists(*into)) ctx.err << " (" << *into << " was not created)";
    ctx.err << "\n";
    return ReportError(refused, ctx);
  }
  auto target = store::Database::Open(*into, store::OpenMode::kCreate);
  if (!target.ok()) return ReportError(target.status().WithContext("--into"), ctx);
  store::MergeOptions options;
  options.rename_conflicts = args.Has("rename-conflicts");
  nlohmann::json sources = nlohmann::json::array();
  Status first_error = Status::Ok();
  for (const auto& source : args.positional) {
    auto report = store::MergeDatabase(**target, source, options);
    if (!report.ok()) {
      if (ctx.json) {
        sources.push_back({{"source", source}, {"merged", false}, {"error", report.status().message()}});
      } else if (!first_error.ok()) {
        ctx.err << "error: " << report.status().message() << "\n";  // the first one is reported last
      }
      if (first_error.ok()) first_error = report.status();
      continue;
    }
    if (ctx.json) {
      nlohmann::json tables = nlohmann::json::object();
      for (const auto& [table, c] : report->tables) tables[table] = {{"copied", c.copied}, {"identical", c.identical}};
      nlohmann::json renamed = nlohmann::json::array();
      for (const auto& r : report->renamed) {
        renamed.push_back({{"table", r.table}, {"old", r.old_id}, {"new", r.new_id}, {"ids", r.ids},
                           {"reason", r.reason}, {"already_present", r.already_present}});
      }
      sources.push_back({{"source", source}, {"merged", true}, {"tables", tables}, {"renamed", renamed}});
    } else {
      ctx.out << source << ": " << Count(report->copied(), "row") << " copied, " << report->identical()
              << " already present;";
      for (const auto& [table, c] : report->tables) {
        if (c.copied > 0) ctx.out << " " << table << " " << c.copied << ";";
      }
      ctx.out << "\n";
      for (const auto& r : report->renamed) {
        ctx.out << "  renamed " << r.table << " " << r.old_id << " → " << r.new_id << " (" << Count(r.ids, "id")
                << (r.already_present ? "; already merged before" : "") << "): " << r.reason << "\n";
      }
    }
  }
  if (ctx.json) PrintJson(ctx, {{"target", *into}, {"sources", sources}});
  if (!first_error.ok()) {
    if (!ctx.json) ctx.err << "the sources not named in an error are merged into " << *into << "\n";
    return ReportError(first_error, ctx);
  }
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> DbCommands() {
  return {
      {"db", "merge", "merge whole databases into one (ids kept): Slurm job arrays that each wrote a file",
       "SOURCE.db...", 1, SIZE_MAX,
       {{"into", "TARGET.db", "the database to merge into (created when missing; it may hold other experiments)"},
        {"rename-conflicts", "", "copy a conflicting experiment or clustering result under new ids instead of refusing"}},
       "Every experiment of each source with everything it owns (runs, invocations, embeddings,\n"
       "diagrams, clustering results, analysis and import records), ids kept. Sources are opened\n"
       "read-only and never changed. Each source is one transaction of TARGET: a row it already holds\n"
       "identically is skipped (merging again changes nothing); a row with the same id and other content\n"
       "(or the same unique key) is a conflict: that source is refused whole, its conflicts named,\n"
       "and the other sources are still merged (exit 2). With --rename-conflicts, the experiment that\n"
       "owns a conflicting row is copied whole under new ids (runs, invocations, embeddings, diagrams,\n"
       "prompt embeddings, Lyapunov results; clustering results that refer to it follow), every\n"
       "reference rewritten, and each renamed id is printed `old → new`. New ids are derived from the\n"
       "old ones, so merging the same source again copies nothing; another, different version gets\n"
       "other ids. Conflicts in the legacy import records still refuse the source. Writer leases are\n"
       "not merged. docs/MPI.md.",
       RunDbMerge},
  };
}

}  // namespace panic::cli
