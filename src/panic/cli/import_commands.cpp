// `panic-tda import python|elixir OLD.sqlite [--db TARGET]`: runs engine/legacy_import.h
// with a progress bar and prints its report (docs/IMPORT.md).
#include <nlohmann/json.hpp>
#include <ostream>

#include "panic/cli/cli_common.h"
#include "panic/cli/legacy_commands.h"
#include "panic/cli/progress_printer.h"
#include "panic/cli/signals.h"
#include "panic/engine/legacy_import.h"

namespace panic::cli {
namespace {

constexpr int kMaxBatchRows = 100000;

void PrintText(std::ostream& os, const engine::ImportReport& r) {
  os << "imported " << r.era << "-era database " << r.source << " into " << r.target << " in "
     << static_cast<int64_t>(r.seconds * 1000) / 1000.0 << " s (timestamps: zone " << r.time_zone << ")\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : r.tables) {
    rows.push_back({t.table, std::to_string(t.read), std::to_string(t.inserted), std::to_string(t.present),
                    std::to_string(t.skipped)});
  }
  PrintTable(os, {"table", "read", "imported", "already there", "skipped"}, rows);
  for (const auto& t : r.tables) {
    if (t.table.rfind("embedding", 0) == 0 && r.embedding_seconds > 0 && t.table != "embeddingcluster" &&
        t.table != "embedding_clusters") {
      os << "embeddings: " << static_cast<int64_t>(t.read / r.embedding_seconds) << " rows/s";
      if (r.embedding_cpu_seconds > 0) {
        os << " (" << static_cast<int64_t>(t.read / r.embedding_cpu_seconds) << " rows per CPU second)";
      }
      os << "\n";
    }
  }
  os << "runs: " << r.runs_length << " stopped by length, " << r.runs_duplicate << " by a repeated output, "
     << r.runs_unstopped << " without a stop reason\n";
  if (!r.skip_counts.empty()) {
    os << "skipped rows by table and reason (all of them are in the target's legacy_import_skips table):\n";
    for (const auto& [table, reasons] : r.skip_counts) {
      for (const auto& [reason, n] : reasons) os << "  " << table << ": " << n << " × " << reason << "\n";
    }
    os << "skipped rows:\n";
    for (const auto& s : r.skips) os << "  " << s.table << " " << s.source_id << ": " << s.reason << "\n";
    int64_t total = 0;
    for (const auto& [table, reasons] : r.skip_counts) {
      for (const auto& [reason, n] : reasons) total += n;
    }
    if (total > static_cast<int64_t>(r.skips.size())) os << "  … and " << total - r.skips.size() << " more\n";
  }
  if (r.lyapunov_current + r.lyapunov_stale > 0) {
    os << "Lyapunov results: " << r.lyapunov_current << " matched to our lyapunov stage's groups (kept), "
       << r.lyapunov_stale << " not (recomputed when the pipeline next runs on the experiment)\n";
    for (const auto& n : r.lyapunov_notes) os << "  " << n << "\n";
  }
  if (!r.stop_notes.empty()) {
    os << "stop reasons recomputed by our loop detection that disagree with the run's length:\n";
    for (const auto& n : r.stop_notes) os << "  " << n << "\n";
  }
}

nlohmann::json ToJson(const engine::ImportReport& r) {
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : r.tables) {
    tables.push_back({{"table", t.table}, {"read", t.read}, {"imported", t.inserted}, {"already_there", t.present},
                      {"skipped", t.skipped}});
  }
  nlohmann::json skips = nlohmann::json::array();
  for (const auto& s : r.skips) skips.push_back({{"table", s.table}, {"source_id", s.source_id}, {"reason", s.reason}});
  return {{"source", r.source},
          {"target", r.target},
          {"era", r.era},
          {"time_zone", r.time_zone},
          {"seconds", r.seconds},
          {"embedding_seconds", r.embedding_seconds},
          {"embedding_cpu_seconds", r.embedding_cpu_seconds},
          {"tables", tables},
          {"skip_counts", r.skip_counts},
          {"skipped", skips},
          {"runs", {{"length", r.runs_length}, {"duplicate", r.runs_duplicate}, {"unstopped", r.runs_unstopped}}},
          {"stop_notes", r.stop_notes},
          {"lyapunov", {{"current", r.lyapunov_current}, {"stale", r.lyapunov_stale}}},
          {"lyapunov_notes", r.lyapunov_notes}};
}

int ImportCommand(store::LegacyEra era, const ParsedArgs& args, Context& ctx) {
  engine::ImportOptions options;
  options.era = era;
  options.source = args.positional[0];
  options.target = ctx.db_path;
  auto batch = args.GetIntIn("batch", 2000, 1, kMaxBatchRows);
  if (!batch.ok()) return ReportError(batch.status(), ctx);
  options.batch_rows = static_cast<int>(*batch);
  ProgressPrinter printer(ctx.err, ctx.stderr_is_tty);
  options.progress = [&printer](const engine::ProgressEvent& e) { printer(e); };
  options.cancel = &InstallCancelHandlers();
  auto report = engine::ImportLegacy(options);
  if (!report.ok()) {
    if (report.status().code() == StatusCode::kCancelled) {
      ctx.err << "\ninterrupted; what was imported is kept. The same command continues.\n";
      return kExitInterrupted;
    }
    return ReportError(report.status(), ctx);
  }
  if (ctx.json) {
    PrintJson(ctx, ToJson(*report));
  } else {
    PrintText(ctx.out, *report);
  }
  return kExitOk;
}

// The --help of each era: what the importer does, as docs/IMPORT.md and the code say
// (store/legacy_source.cpp, store/legacy_mapping*.cpp, engine/legacy_import.cpp).
std::string ImportDetails(store::LegacyEra era) {
  const bool elixir = era == store::LegacyEra::kElixir;
  std::string d =
      "The source is opened read-only (immutable when no -wal lies beside it) and never changes.\n";
  d += elixir ? "Ids (hyphenated UUIDs) are kept, in lower case; times are UTC. Every run gets seed -1 (Elixir runs\n"
                "were unseeded); AVIF images are stored as lossless WEBP, ETF diagrams and Lyapunov results decoded.\n"
                "A Lyapunov result our stage would not form the same way is marked stale: the next run or resume\n"
                "recomputes it.\n"
              : "Ids (32 hex digits) are kept as hyphenated lower-case UUIDs; times are kept with the zone\n"
                "recorded as unknown. Stop reasons (not stored in that era) are recomputed: duplicate for a\n"
                "seeded run whose output repeats, length for a run of max_length steps.\n";
  d += "Each batch of --batch source rows is one transaction of the target. Rows already there (same id) are\n"
       "counted, not written again: a second import adds nothing, and a killed one continues when the same\n"
       "command is run again. Every source row not imported is recorded with its reason in the target's\n"
       "legacy_import_skips and counted in the report (the text report lists the first 1000).\n"
       "Exit 2, the target untouched (not even created): a file that is not SQLite or of another program or\n"
       "era, a truncated file, a table or column the import reads missing or renamed";
  d += elixir ? ", more Ecto migrations\nthan this importer knows (a newer schema), the target being the source.\n"
              : ", the\ntarget being the source.\n";
  d += "A damaged page found while reading: exit 1, what was committed kept.\nMapping and report: docs/IMPORT.md.";
  return d;
}

CommandSpec ImportSpec(store::LegacyEra era) {
  const std::string name = store::LegacyEraName(era);
  const char* article = era == store::LegacyEra::kElixir ? "an " : "a ";
  return {"import", name, "import " + std::string(article) + name + "-era panic-tda database into --db (read-only source)", "OLD.sqlite", 1, 1,
          {{"batch", "N", "source rows per target transaction, 1.." + std::to_string(kMaxBatchRows) + " (default 2000)"}},
          ImportDetails(era),
          [era](const ParsedArgs& args, Context& ctx) { return ImportCommand(era, args, ctx); }};
}

}  // namespace

std::vector<CommandSpec> ImportCommands() {
  return {ImportSpec(store::LegacyEra::kPython), ImportSpec(store::LegacyEra::kElixir)};
}

}  // namespace panic::cli
