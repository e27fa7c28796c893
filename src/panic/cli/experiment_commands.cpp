// `experiment run|resume|list|show|delete`.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <ostream>

#include "panic/cli/cli_common.h"
#include "panic/cli/mpi_launch.h"
#include "panic/cli/command.h"
#include "panic/cli/output.h"
#include "panic/cli/progress_printer.h"
#include "panic/cli/signals.h"
#include "panic/core/experiment_config.h"
#include "panic/core/parallel.h"
#include "panic/engine/config_limits.h"
#include "panic/engine/config_validation.h"
#include "panic/engine/experiment_setup.h"
#include "panic/engine/experiment_status.h"
#include "panic/engine/experiment_summary.h"
#include "panic/engine/json_shapes.h"
#include "panic/engine/pipeline.h"
#include "panic/store/experiment_delete.h"
#include "panic/store/experiments_table.h"
#include "panic/store/writer_lease.h"

namespace panic::cli {
namespace {


// The options of `run` and `resume`; the stage list comes from the stage registry.
std::vector<OptionSpec> ExecuteOptions() {
  const auto& stages = engine::StageRegistry::Default();
  return {
      {"stages", "LIST", "stages to run, comma-separated: " + stages.NameList(",") + " (default: all)"},
      {"threads", "N", "worker threads, 1..1024 (default: all cores)"},
      {"sync", "MODE", "full (default; each step reaches the disk: power-loss safe) or normal (kill-safe, faster)"},
      {"mpi", "", "under mpirun: rank 0 owns the database, the other ranks execute units; a diagram goes to a rank "
                  "whose memory (the node's available memory divided among its ranks; PANIC_TDA_MPI_RANK_MEMORY "
                  "overrides) holds its estimate (docs/MPI.md)"},
      {"mpi-timeout", "SECONDS", "with --mpi: a worker silent this long while it holds a unit is taken as lost; rank 0 "
                                 "reports it and stops (default 60; 0: no limit)"},
  };
}

// "  runs        advance every run ..." for the help text, from the stage registry: the
// descriptions in one column after the longest name ("prompt_embeddings" overran a fixed
// one), no newline after the last (the help adds its own).
std::string StagesHelp() {
  const auto& infos = engine::StageRegistry::Default().infos();
  size_t width = 0;
  for (const auto& info : infos) width = std::max(width, info.name.size() + 2);
  std::string out = "Stages, in order:";
  for (const auto& info : infos) {
    std::string name = info.name;
    name.resize(width, ' ');
    out += "\n  " + name + info.description;
  }
  return out;
}


// The options of `experiment run|resume`, all checked before the database is opened, so
// that a bad one writes nothing.
struct ExecuteSettings {
  engine::PipelineOptions pipeline;
  store::Durability durability = store::Durability::kFull;
};

Result<ExecuteSettings> ParseExecuteSettings(const ParsedArgs& args) {
  ExecuteSettings settings;
  if (auto stages = args.Get("stages")) {
    PANIC_ASSIGN_OR_RETURN(settings.pipeline.stages, engine::StageRegistry::Default().Parse(*stages));
  }
  PANIC_ASSIGN_OR_RETURN(settings.pipeline.threads, args.GetThreads(DefaultThreads()));
  PANIC_ASSIGN_OR_RETURN(std::string mode, args.GetChoice("sync", {"full", "normal"}, "full"));
  settings.durability = mode == "full" ? store::Durability::kFull : store::Durability::kNormal;
  return settings;
}

// Runs the pipeline with progress on stderr; prints the outcome.
int Execute(store::Database& db, const std::string& experiment_id, const ExecuteSettings& settings, Context& ctx,
            mpi::Session* mpi) {
  engine::PipelineOptions options = settings.pipeline;
  // One writer per experiment: a live one elsewhere makes this one exit 1 saying who.
  auto lease = store::WriterLease::Acquire(db, experiment_id);
  if (!lease.ok()) return ReportError(lease.status(), ctx);
  if (!(*lease)->took_over().empty()) ctx.err << "note: " << (*lease)->took_over() << "\n";
  ProgressPrinter printer(ctx.err, ctx.stderr_is_tty);
  options.progress = [&printer](const engine::ProgressEvent& e) { printer(e); };
  options.cancel = &InstallCancelHandlers();
  if (mpi) options.executor = mpi->executor(options.cancel);

  auto result = engine::ExecuteExperiment(db, models::ModelRegistry::Default(), experiment_id, options);
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kCancelled) {
      if (mpi) ctx.err << "\n" << result.status().message();
      ctx.err << "\ninterrupted; everything committed is kept. Continue with:\n  panic-tda --db " << db.path()
              << " experiment resume " << experiment_id << "\n";
      return kExitInterrupted;
    }
    return ReportError(result.status(), ctx);
  }
  if (ctx.json) {
    nlohmann::json j = {{"experiment_id", experiment_id}, {"database", db.path()}, {"completed", result->completed}};
    nlohmann::json stages = nlohmann::json::object();
    for (const auto& r : result->stages) {
      if (!r.ran) continue;
      stages[r.name] = {{"unit", r.unit}, {"written", r.written}, {"failed", r.failed}, {"wall_s", r.timing.wall_s}};
    }
    j["stages"] = stages;
    PrintJson(ctx, j);
  } else {
    ctx.out << "experiment " << experiment_id << (result->completed ? " completed" : " stopped (incomplete)") << ":";
    const char* sep = " ";
    for (const auto& r : result->stages) {
      if (!r.ran) continue;
      ctx.out << sep << r.written << " " << r.unit;
      sep = ", ";
    }
    ctx.out << " written\n"
            << "database: " << db.path() << "\n";
  }
  if (result->total_failed() > 0) {
    ctx.err << "warning:";
    const char* sep = " ";
    for (const auto& r : result->stages) {
      if (r.failed == 0) continue;
      ctx.err << sep << r.failed << " " << r.name << " item(s)";
      sep = ", ";
    }
    ctx.err << " failed; `panic-tda experiment show " << experiment_id
            << "` lists them and `panic-tda experiment resume " << experiment_id << "` retries them\n";
    return kExitFailure;
  }
  return kExitOk;
}

int RunCommand(const ParsedArgs& args, Context& ctx) {
  const std::string& target = args.positional[0];
  // Every option is checked before the database is opened for writing.
  auto settings = ParseExecuteSettings(args);
  if (!settings.ok()) return ReportError(settings.status(), ctx);
  // --mpi: the ranks other than 0 serve units and never open the database.
  MpiLaunch mpi;
  if (int code = mpi.Start(args, ctx); code >= 0) return code;
  std::error_code ec;
  const bool is_path = std::filesystem::exists(target, ec);
  if (!is_path && std::filesystem::exists(ctx.db_path, ec) && target.find_first_of("/.") == std::string::npos) {
    // An existing experiment's id (or latest): continue it.
    auto db = OpenDatabase(ctx, store::OpenMode::kWrite, settings->durability);
    if (!db.ok()) return ReportError(db.status(), ctx);
    auto id = store::experiments::ResolveId((*db)->connection(), target);
    if (id.ok()) return mpi.Finish(Execute(**db, *id, *settings, ctx, mpi.session()), ctx);
  }
  // Everything is validated before the database is opened, so a bad config writes nothing.
  auto config = LoadExperimentConfig(target);
  if (!config.ok()) return ReportError(config.status(), ctx);
  Status valid = engine::ValidateConfigSize(*config);
  if (valid.ok()) valid = engine::ValidateConfigModels(*config, models::ModelRegistry::Default());
  if (!valid.ok()) return ReportError(valid.WithContext(target), ctx);
  auto db = OpenDatabase(ctx, store::OpenMode::kCreate, settings->durability);
  if (!db.ok()) return ReportError(db.status(), ctx);
  auto id = engine::CreateExperiment(**db, *config);
  if (!id.ok()) return ReportError(id.status(), ctx);
  const size_t runs = config->networks.size() * config->seeds.size() * config->prompts.size();
  if (!ctx.json) {
    ctx.out << "experiment " << *id << " created: " << Count(static_cast<int64_t>(runs), "run") << ", max_length "
            << config->max_length << "\n";
  }
  return mpi.Finish(Execute(**db, *id, *settings, ctx, mpi.session()), ctx);
}

int ResumeCommand(const ParsedArgs& args, Context& ctx) {
  auto settings = ParseExecuteSettings(args);
  if (!settings.ok()) return ReportError(settings.status(), ctx);
  MpiLaunch mpi;
  if (int code = mpi.Start(args, ctx); code >= 0) return code;
  auto opened = OpenExperiment(ctx, args.positional[0], settings->durability);
  if (!opened.ok()) return ReportError(opened.status(), ctx);
  return mpi.Finish(Execute(*opened->db, opened->id, *settings, ctx, mpi.session()), ctx);
}

int ListCommand(const ParsedArgs&, Context& ctx) {
  auto db = OpenDatabase(ctx, store::OpenMode::kReadOnly);
  if (!db.ok()) return ReportError(db.status(), ctx);
  auto experiments = store::experiments::List((*db)->connection());
  if (!experiments.ok()) return ReportError(experiments.status(), ctx);
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : *experiments) {
    auto counts = (*db)->Read([&](store::SqliteDb& c) {
      return store::experiments::Count(c, e.id, store::experiments::CountVectors::kWithout);
    });
    if (!counts.ok()) return ReportError(counts.status(), ctx);
    auto j = ExperimentToJson(e);
    j["runs_total"] = counts->runs_total;
    j["runs_finished"] = counts->runs_finished;
    j["runs_failed"] = counts->runs_failed;
    j["invocations"] = counts->invocations;
    auto status = engine::DescribeExperimentStatus(**db, e, *counts);
    if (!status.ok()) return ReportError(status.status(), ctx);
    j["status"] = status->word;
    if (status->writer) j["writer"] = {{"pid", status->writer->pid}, {"host", status->writer->host},
                                       {"started_at", status->writer->started_at}};
    list.push_back(j);
    rows.push_back({e.id, e.created_at.substr(0, 19), std::to_string(counts->runs_finished) + "/" +
                    std::to_string(counts->runs_total), std::to_string(counts->invocations), status->Text()});
  }
  if (ctx.json) {
    PrintJson(ctx, list);
  } else if (rows.empty()) {
    ctx.out << "no experiments in " << ctx.db_path << "\n";
  } else {
    PrintTable(ctx.out, {"ID", "CREATED", "RUNS", "INVOCATIONS", "STATUS"}, rows);
  }
  return kExitOk;
}

// "ETA" and a line per stage with work left: its remaining work at its own measured rate.
void PrintEta(const engine::EtaEstimate& eta, std::ostream& os) {
  if (!eta.work_left()) return;
  std::string unknown;
  for (const auto& name : eta.unknown) unknown += (unknown.empty() ? "" : ", ") + name;
  os << "ETA          ";
  if (eta.total_s) os << FormatDuration(*eta.total_s) << "\n";
  else if (eta.known_s > 0) os << "unknown: at least " << FormatDuration(eta.known_s) << " (no rate yet: " << unknown << ")\n";
  else os << "unknown (no rate yet: " << unknown << ")\n";
  for (const auto& st : eta.stages) {
    if (st.remaining == 0) continue;
    std::string name = st.stage;
    name.resize(std::max<size_t>(name.size() + 1, 13), ' ');
    os << "  " << name << st.remaining << " " << st.unit << " left";
    if (st.rate && st.eta_s) {
      char rate[32];
      std::snprintf(rate, sizeof rate, "%.3g", *st.rate);
      os << " at " << rate << "/s: " << FormatDuration(*st.eta_s) << "\n";
    } else {
      os << ": unknown (no rate yet)\n";
    }
  }
}

void PrintSummary(const engine::ExperimentSummary& s, std::ostream& os) {
  const auto& e = s.experiment;
  const auto& c = s.counts;
  nlohmann::json nets(e.networks), seeds(e.seeds), prompts(e.prompts), emb(e.embedding_models);
  os << "experiment   " << e.id << "  (" << s.status << ")\n"
     << "networks     " << nets.dump() << "\n"
     << "seeds        " << seeds.dump() << "\n"
     << "prompts      " << prompts.dump() << "\n"
     << "embedding    " << emb.dump() << "\n"
     << "max_length   " << e.max_length << "\n"
     << "options      " << e.options_json << "\n"
     << "created      " << e.created_at << "\n";
  if (e.started_at) os << "started      " << *e.started_at << "\n";
  if (e.completed_at) os << "completed    " << *e.completed_at << "\n";
  os << "runs         " << c.runs_finished << "/" << c.runs_total << " finished";
  if (c.runs_failed) os << ", " << c.runs_failed << " failed";
  os << "\n";
  os << "stop reasons ";
  bool first = true;
  for (const auto& [reason, n] : c.stop_reasons) {
    os << (first ? "" : ", ") << reason << " " << n;
    first = false;
  }
  os << (first ? "-\n" : "\n");
  os << "invocations  " << c.invocations << "/" << s.invocations_expected << " (" << c.text_invocations << " text, "
     << c.image_invocations << " image)\n";
  for (const auto& stage : s.stages) {
    for (const auto& sc : stage.counts) {
      if (sc.label.empty()) continue;  // the runs line above says it
      std::string name = stage.info.name;
      name.resize(std::max<size_t>(name.size() + 1, 13), ' ');
      os << name << sc.label << ": " << sc.done << "/" << sc.expected;
      if (sc.failed) os << " (" << sc.failed << " failed; resume retries)";
      if (sc.stale) os << " (" << sc.stale << " stale; resume recomputes)";
      if (stage.info.name == "diagrams") {
        if (std::string note = engine::ApproximateDiagramsOf(s, sc.label).text; !note.empty()) os << " (" << note << ")";
      }
      os << "\n";
    }
  }
  // Working time; the wall-clock span beside it when stops or pauses make them differ.
  os << "elapsed      " << FormatDuration(s.elapsed_s) << " working";
  if (s.span_s - s.elapsed_s > engine::kWorkingPauseS) {
    os << " (" << FormatDuration(s.span_s) << " of wall clock from the first start; pauses over "
       << static_cast<int>(engine::kWorkingPauseS) << " s not counted)";
  }
  os << "\n";
  PrintEta(s.eta, os);
  for (const auto& f : s.failed_runs) {
    os << "failed run   #" << f.run_number << " " << f.run_id << ": " << f.error << "\n";
  }
}

int ShowCommand(const ParsedArgs& args, Context& ctx) {
  auto opened = OpenExperiment(ctx, args.positional.empty() ? "latest" : args.positional[0],
                               store::OpenMode::kReadOnly);
  if (!opened.ok()) return ReportError(opened.status(), ctx);
  auto summary = engine::SummarizeExperiment(*opened->db, models::ModelRegistry::Default(), opened->id);
  if (!summary.ok()) return ReportError(summary.status(), ctx);
  // The same status words as `experiment list`.
  auto status = engine::DescribeExperimentStatus(*opened->db, summary->experiment, summary->counts);
  if (!status.ok()) return ReportError(status.status(), ctx);
  // The engine's one definition of done decides "completed": completed_at of an older
  // version, or a diagram gone stale since, does not make it so.
  if (status->word == "completed" && !summary->AllWorkDone()) status->word = "incomplete";
  summary->status = ctx.json ? status->word : status->Text();
  if (ctx.json) PrintJson(ctx, engine::SummaryToJson(*summary));
  else PrintSummary(*summary, ctx.out);
  return kExitOk;
}

int DeleteCommand(const ParsedArgs& args, Context& ctx) {
  auto opened = OpenExperiment(ctx, args.positional[0]);
  if (!opened.ok()) return ReportError(opened.status(), ctx);
  store::Database& db = *opened->db;
  const std::string& id = opened->id;
  if (!args.Has("yes")) {
    auto counts = db.Read([&](store::SqliteDb& c) {
      return store::experiments::Count(c, id, store::experiments::CountVectors::kWithout);
    });
    if (!counts.ok()) return ReportError(counts.status(), ctx);
    if (auto exit = ConfirmDeletion(args, ctx, "delete experiment " + id + " with " + Count(counts->runs_total, "run") +
                                                   " and " + Count(counts->invocations, "invocation"))) {
      return *exit;
    }
  }
  Status s = store::DeleteExperiment(db, id);
  if (!s.ok()) return ReportError(s, ctx);
  if (ctx.json) PrintJson(ctx, {{"deleted", id}});
  else ctx.out << "deleted experiment " << id << "\n";
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> ExperimentCommands() {
  return {
      {"experiment", "run", "create an experiment from a config file and run it (or continue an existing id)",
       "CONFIG|ID", 1, 1, ExecuteOptions(),
       "CONFIG is a JSON file: networks, seeds (or seed_count / num_runs), prompts, embedding_models,\n"
       "max_length, options. It is validated completely before anything is written (exit 2 on error).\n"
       "Ctrl-C stops after the current step; `experiment resume` continues.\n" + StagesHelp(),
       RunCommand},
      {"experiment", "resume", "continue an experiment: compute whatever is missing, retry failed runs", "ID", 1, 1,
       ExecuteOptions(),
       "ID may be a unique prefix or 'latest'. Every option is checked before the database is written.\n" +
           StagesHelp(),
       ResumeCommand},
      {"experiment", "list", "list the experiments in the database", "", 0, 0, {},
       "STATUS: completed; running (a live process holds the experiment's writer lease); interrupted\n"
       "(no live writer: stopped by Ctrl-C, a kill, a crash or a --stages subset; `experiment resume`\n"
       "continues); incomplete (no live writer and runs or diagrams failed; resume retries them);\n"
       "not started.",
       ListCommand},
      {"experiment", "show", "config, progress, stop reasons, timing and failures of one experiment", "[ID|latest]", 0,
       1, {}, "Without ID: the latest experiment.", ShowCommand},
      {"experiment", "delete", "delete an experiment and everything it owns", "ID|latest", 1, 1,
       {{"yes", "", "do not ask for confirmation"}}, "", DeleteCommand},
  };
}

}  // namespace panic::cli
