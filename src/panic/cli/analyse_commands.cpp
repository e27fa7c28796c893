// `analyse drift|lyapunov|transitions|runlengths|distances|changepoints|runs`: the tidy
// tables of issue 12 (export/tidy_tables.h) printed as an aligned table ("table", alias
// "text"), CSV or JSON, or written to --output; Parquet (through export/parquet_sink.h)
// only to --output. The command only parses, opens the database read-only and writes
// the table.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "panic/cli/cli_common.h"
#include "panic/cli/command.h"
#include "panic/cli/diagram_distance_options.h"
#include "panic/cli/output.h"
#include "panic/cli/output_path.h"
#include "panic/cli/signals.h"
#include "panic/core/atomic_file.h"
#include "panic/core/parallel.h"
#include "panic/cli/progress_printer.h"
#include "panic/export/data_export.h"
#include "panic/export/parquet_sink.h"
#include "panic/export/tidy_tables.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/experiments_table.h"
#include "panic/store/subset_copy.h"

namespace panic::cli {
namespace {

using exporting::TidyOptions;
using Builder = std::function<Status(store::Database&, const std::vector<std::string>&, const TidyOptions&,
                                     exporting::TableSink&)>;

// The experiments: the arguments and --experiment values (ids, prefixes, "latest"), in
// order and once each; none given means every experiment of the database.
Result<std::vector<std::string>> ResolveExperiments(store::Database& db, const ParsedArgs& args) {
  std::vector<std::string> given = args.positional;
  if (auto it = args.values.find("experiment"); it != args.values.end()) {
    given.insert(given.end(), it->second.begin(), it->second.end());
  }
  std::vector<std::string> ids;
  if (given.empty()) {
    PANIC_ASSIGN_OR_RETURN(auto all, store::experiments::List(db.connection()));
    for (const auto& e : all) ids.push_back(e.id);
    if (ids.empty()) return Status::NotFound("the database '" + db.path() + "' has no experiments");
    return ids;
  }
  for (const auto& g : given) {
    PANIC_ASSIGN_OR_RETURN(std::string id, store::experiments::ResolveId(db.connection(), g));
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

Result<analysis::OutlierHandling> Outliers(const ParsedArgs& args) {
  PANIC_ASSIGN_OR_RETURN(std::string o, args.GetChoice("outliers", {"skip", "include", "break"}, "skip"));
  if (o == "include") return analysis::OutlierHandling::kInclude;
  if (o == "break") return analysis::OutlierHandling::kBreak;
  return analysis::OutlierHandling::kSkip;
}

Result<TidyOptions> Options(const ParsedArgs& args, const std::string& verb, store::Database& db) {
  TidyOptions o;
  o.model = args.Get("model");
  PANIC_ASSIGN_OR_RETURN(o.threads, args.GetThreads(DefaultThreads()));
  if (verb == "transitions" || verb == "runlengths") {
    PANIC_ASSIGN_OR_RETURN(auto info, store::analysis_reads::GetClustering(db.connection(),
                                                                           args.Get("clustering").value_or("latest")));
    o.clustering_id = info.id;
    PANIC_ASSIGN_OR_RETURN(o.outliers, Outliers(args));
    o.self_transitions = !args.Has("no-self-transitions");
  }
  if (verb == "distances") {
    PANIC_ASSIGN_OR_RETURN(DiagramDistanceChoice choice, ParseDiagramDistance(args, "wasserstein", 64));
    o.distance = choice.options;
    o.homology_dimension = static_cast<int>(choice.dim);
  }
  if (verb == "changepoints" && args.Has("penalty")) {
    PANIC_ASSIGN_OR_RETURN(o.penalty, args.GetDouble("penalty", 0));
    if (!(o.penalty > 0) || !std::isfinite(o.penalty)) {
      return args.NotAllowed("penalty", "a positive number");
    }
  }
  return o;
}

Builder BuilderFor(const std::string& verb, const ParsedArgs& args) {
  if (verb == "drift") return exporting::WriteDriftTable;
  if (verb == "lyapunov") return args.Has("curves") ? exporting::WriteLyapunovCurveTable : exporting::WriteLyapunovTable;
  if (verb == "transitions") return args.Has("chain") ? exporting::WriteChainTable : exporting::WriteTransitionsTable;
  if (verb == "runlengths") return exporting::WriteRunLengthsTable;
  if (verb == "distances") return exporting::WriteDistancesTable;
  if (verb == "changepoints") return exporting::WriteChangePointsTable;
  return args.Has("durations") ? exporting::WriteDurationsTable : exporting::WriteRunsTable;
}

int RunAnalyse(const std::string& verb, const ParsedArgs& args, Context& ctx) {
  auto format =
      args.GetChoice("format", {"table", "text", "csv", "json", "parquet"}, ctx.json ? "json" : "table");
  if (!format.ok()) return ReportError(format.status(), ctx);
  if (*format == "text") *format = "table";  // the name before "table"
  if (ctx.json && *format != "json") {
    return ReportError(Status::InvalidArgument("--json means --format json; it contradicts --format " + *format), ctx);
  }
  const auto output = args.Get("output");
  if (Status st = CheckExplicitFormat(args, ctx.json, *format); !st.ok()) return ReportError(st, ctx);  // before any work
  const bool parquet = *format == "parquet";
  if (parquet) {
    // A Parquet file is binary and written whole (footer last): a file, never standard output.
    if (!output) return ReportError(Status::InvalidArgument("--output: --format parquet needs --output FILE"), ctx);
  }
  // A folder, or a folder we cannot write in: refused before any work, as every export does
  // (a folder was found only when the table was written: exit 1, "it is a directory").
  if (output) {
    if (Status st = CheckOutputFile(*output); !st.ok()) return ReportError(st, ctx);
  }
  auto opened = OpenDatabase(ctx, store::OpenMode::kReadOnly);
  if (!opened.ok()) return ReportError(opened.status(), ctx);
  store::Database& db = **opened;
  auto ids = ResolveExperiments(db, args);
  if (!ids.ok()) return ReportError(ids.status(), ctx);
  if (Status model = exporting::CheckEmbeddingModel(db, *ids, args.Get("model")); !model.ok()) {
    return ReportError(model, ctx);
  }
  auto options = Options(args, verb, db);
  if (!options.ok()) return ReportError(options.status(), ctx);
  std::vector<std::string> notes;
  options->notes = &notes;
  options->cancel = &InstallCancelHandlers();

  std::ostringstream os;
  const std::string what = output ? "'" + *output + "'" : "standard output";
  std::unique_ptr<exporting::TableSink> sink;
  if (parquet) {
    auto made = exporting::MakeParquetSink(*output);
    if (!made.ok()) return ReportError(made.status().WithContext("--output"), ctx);
    sink = std::move(made).value();
  } else {
    sink = *format == "csv"    ? exporting::MakeCsvSink(os, what)
           : *format == "json" ? exporting::MakeJsonSink(os, what)
                               : exporting::MakeTextSink(os, what);
  }
  Status built = BuilderFor(verb, args)(db, *ids, *options, *sink);
  for (const auto& n : notes) ctx.err << "note: " << n << "\n";
  if (built.code() == StatusCode::kCancelled) {
    ctx.err << "interrupted; nothing written\n";
    return kExitInterrupted;
  }
  if (!built.ok()) return ReportError(built, ctx);
  if (parquet) return kExitOk;  // the sink wrote the file at End
  Status written = WriteCommandOutput(ctx, os.str(), false, *format, output);
  if (!written.ok()) return ReportError(written, ctx);
  return kExitOk;
}

CommandSpec Analyse(const std::string& verb, const std::string& summary, std::vector<OptionSpec> extra,
                    const std::string& details) {
  std::vector<OptionSpec> options = {
      {"experiment", "ID", "an experiment (id, prefix or latest); repeatable; default: every experiment", true},
      {"model", "M", "only this embedding model"},
      {"format", "FMT", "table (default; 'text' is the same), csv, json or parquet (needs --output)"},
      {"output", "FILE", "write the table to FILE instead of standard output"},
      {"threads", "N", "worker threads (default: the machine's cores)"},
  };
  options.insert(options.end(), extra.begin(), extra.end());
  return {"analyse", verb, summary, "[EXPERIMENT...]", 0, SIZE_MAX, options,
          details + (details.empty() ? "" : "\n") +
              "Columns and definitions: docs/ANALYSIS.md. Reads the database only.",
          [verb](const ParsedArgs& a, Context& c) { return RunAnalyse(verb, a, c); }};
}

int RunExportData(const ParsedArgs& args, Context& ctx) {
  exporting::DataExportOptions options;
  auto format = args.GetChoice("format", {"csv", "parquet"}, "csv");
  if (!format.ok()) return ReportError(format.status(), ctx);
  options.format = *format;
  auto output = args.Get("output");
  if (!output) return ReportError(Status::InvalidArgument("--output DIR is needed (the folder for the files)"), ctx);
  options.directory = *output;
  if (Status st = CheckOutputFolder(*output); !st.ok()) return ReportError(st, ctx);
  options.model = args.Get("model");
  auto threads = args.GetThreads(DefaultThreads());
  if (!threads.ok()) return ReportError(threads.status(), ctx);
  options.threads = *threads;
  auto opened = OpenDatabase(ctx, store::OpenMode::kReadOnly);
  if (!opened.ok()) return ReportError(opened.status(), ctx);
  auto ids = ResolveExperiments(**opened, args);
  if (!ids.ok()) return ReportError(ids.status(), ctx);
  ProgressPrinter printer(ctx.err, ctx.stderr_is_tty);
  options.progress = [&](int64_t done, int64_t total, const std::string&) {
    printer.Count("export data", "tables", done, total);
  };
  options.cancel = &InstallCancelHandlers();
  auto written = exporting::ExportData(**opened, *ids, options);
  if (!written.ok()) {
    if (written.status().code() == StatusCode::kCancelled) {
      ctx.err << "\ninterrupted; the files already complete are kept\n";
      return kExitInterrupted;
    }
    return ReportError(OutputError(written.status(), options.directory), ctx);
  }
  if (ctx.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& t : *written) j.push_back({{"table", t.name}, {"path", t.path}, {"rows", t.rows}});
    PrintJson(ctx, j);
  } else {
    for (const auto& t : *written) ctx.out << t.path << "  " << Count(t.rows, "row") << "\n";
  }
  return kExitOk;
}

int RunExportDb(const ParsedArgs& args, Context& ctx) {
  const std::string target_path = args.positional.back();
  std::vector<std::string> ids;
  {
    auto source = OpenDatabase(ctx, store::OpenMode::kReadOnly);
    if (!source.ok()) return ReportError(source.status(), ctx);
    for (size_t i = 0; i + 1 < args.positional.size(); ++i) {
      auto id = store::experiments::ResolveId((*source)->connection(), args.positional[i]);
      if (!id.ok()) return ReportError(id.status(), ctx);
      if (std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
    }
  }
  std::error_code ec;
  if (std::filesystem::exists(target_path, ec) &&
      std::filesystem::equivalent(target_path, ctx.db_path, ec)) {
    return ReportError(Status::InvalidArgument("TARGET '" + target_path + "' is the source database itself"), ctx);
  }
  // A TARGET that does not exist yet appears whole or not at all: the copy is made in a
  // hidden file beside it (core/atomic_file.h) and renamed onto it once closed. Created in
  // place, a failed copy (a full disk) or a killed one left an empty database of ours there,
  // with its -wal and -shm.
  std::unique_ptr<AtomicFile> fresh;
  std::string open_path = target_path;
  if (!std::filesystem::exists(target_path, ec)) {
    auto created = AtomicFile::Create(target_path);
    if (!created.ok()) return ReportError(created.status().WithContext("TARGET"), ctx);
    fresh = std::move(created).value();
    open_path = fresh->temp_path();
  }
  // A failure: a new TARGET is not there (the hidden file goes with `fresh`, its -wal and
  // -shm here); the message names TARGET, as the user gave it.
  const auto fail = [&](const Status& st, const std::string& context) {
    if (!fresh) return ReportError(context.empty() ? st : st.WithContext(context), ctx);
    for (const char* suffix : {"-wal", "-shm", "-journal"}) std::filesystem::remove(open_path + suffix, ec);
    return ReportError(st.WithContext("TARGET '" + target_path + "' was not created"), ctx);
  };
  Result<store::CopyCounts> counts = Status::Internal("not copied");
  {
    auto target = store::Database::Open(open_path, store::OpenMode::kCreate);
    if (!target.ok()) return fail(target.status(), "TARGET");
    counts = store::CopyExperiments(**target, ctx.db_path, ids);
  }  // closed: SQLite checkpoints and removes the -wal and -shm
  if (!counts.ok()) return fail(counts.status(), "");
  if (fresh) {
    if (Status st = fresh->Commit(); !st.ok()) return fail(st, "");
  }
  if (ctx.json) {
    PrintJson(ctx, {{"target", target_path}, {"experiments", ids}, {"rows", *counts}});
  } else {
    ctx.out << "copied " << Count(static_cast<int64_t>(ids.size()), "experiment") << " into " << target_path << ":";
    for (const auto& [table, n] : *counts) ctx.out << " " << table << " " << n << ";";
    ctx.out << "\n";
  }
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> AnalyseCommands() {
  const std::vector<OptionSpec> clustering = {
      {"clustering", "ID", "the clustering result (id, prefix or latest; default latest)"},
      {"outliers", "HOW", "skip (default: outlier steps removed), include (a state of their own) or break"},
  };
  std::vector<OptionSpec> transitions = clustering;
  transitions.push_back({"no-self-transitions", "", "count only moves between different clusters"});
  transitions.push_back({"chain", "", "per cluster: the Markov chain's stationary distribution, classes, spectral gap"});
  return {
      Analyse("drift", "semantic drift of every embedding from its run's prompt (or first image)", {},
              "One row per (invocation, embedding model). Text models are measured from the stored prompt\n"
              "embedding (the prompt_embeddings stage), image models from the run's first image."),
      Analyse("lyapunov", "divergence of run groups: exponent, R², bounded fit (τ) from the lyapunov stage",
              {{"curves", "", "the curves d(t) in long form instead of the fits"}}, ""),
      Analyse("transitions", "cluster transition counts and probabilities per network", transitions, ""),
      Analyse("runlengths", "stretches of one cluster in each run (run-length encoding)", clustering, ""),
      Analyse("distances", "pairwise distances of stored persistence diagrams",
              {{"metric", "M", "wasserstein (default), bottleneck or sorted-l1 (the Python reference's)"},
               {"order", "P", "Wasserstein order (default 1)"},
               {"solver", "S", "exact (default: the sparse exact solver) or auction (Hera's, within --delta)"},
               {"delta", "D", "with --solver auction: its relative error bound (default 0.01)"},
               {"dim", "K", "homology dimension (default 1)"}},
              "One row per pair of diagrams (a before b); give --model when several embedding models have diagrams."),
      Analyse("changepoints", "kernel change points of each run's trajectory (RBF, γ = 0.01, min segment 5)",
              {{"penalty", "B", "the penalty β (default: the Python reference's dim·ln n)"}}, ""),
      Analyse("runs", "per run: network, prompt, seed, length, stop reason, loop length",
              {{"durations", "", "per model: invocation durations instead"}}, ""),
      {"export", "data", "the experiments' tables as CSV or Parquet files in a folder", "EXPERIMENT...", 1, SIZE_MAX,
       {{"format", "FMT", "csv (default) or parquet"},
        {"output", "DIR", "the folder for the files (created when missing)"},
        {"model", "M", "only this embedding model"},
        {"threads", "N", "worker threads (default: the machine's cores)"},
        {"experiment", "ID", "another experiment; repeatable", true}},
       "Writes experiments, runs, invocations (no image bytes), embeddings (vector: list of float32),\n"
       "diagrams (one row per bar), entropy, clusters, drift, lyapunov and lyapunov_curves, one file\n"
       "each (<table>.csv or <table>.parquet), each complete or absent. Columns: docs/ANALYSIS.md.",
       RunExportData},
      {"export", "db", "copy experiments with everything they own into another database (ids kept)",
       "EXPERIMENT... TARGET.db", 2, SIZE_MAX, {},
       "TARGET.db is created when missing, or appended to (it may hold other experiments; one it already\n"
       "holds is refused). Clustering results are scoped to the experiments' embeddings. One transaction;\n"
       "a new TARGET.db appears whole or not at all (written beside it under a hidden name, then renamed).",
       RunExportDb},
  };
}

}  // namespace panic::cli
