// `run list|show`.
#include <algorithm>
#include <map>
#include <optional>
#include <ostream>

#include "panic/cli/cli_common.h"
#include "panic/cli/command.h"
#include "panic/cli/diagram_output.h"
#include "panic/cli/output.h"
#include "panic/cli/output_path.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/npz_codec.h"
#include "panic/store/runs_table.h"
#include "panic/engine/json_shapes.h"

namespace panic::cli {
namespace {

constexpr const char* kRunArgumentHelp =
    "RUN is a run id, a unique prefix of one, EXP#N (run number N of experiment EXP, as `run list`\n"
    "shows it; EXP an id, prefix or latest: latest#3), or latest (the latest experiment's last run).";

int ListCommand(const ParsedArgs& args, Context& ctx) {
  auto db = OpenDatabase(ctx, store::OpenMode::kReadOnly);
  if (!db.ok()) return ReportError(db.status(), ctx);
  Result<std::vector<store::RunRecord>> runs = std::vector<store::RunRecord>{};
  if (auto exp = args.Get("experiment")) {
    auto id = store::experiments::ResolveId((*db)->connection(), *exp);
    if (!id.ok()) return ReportError(id.status(), ctx);
    runs = store::runs::List((*db)->connection(), *id);
  } else {
    runs = store::runs::ListAll((*db)->connection());
  }
  if (!runs.ok()) return ReportError(runs.status(), ctx);
  // Each run's length: its number of invocations (steps), counted per experiment.
  std::map<std::string, std::map<std::string, int64_t>> lengths;  // experiment → run → steps
  for (const auto& r : *runs) {
    if (lengths.count(r.experiment_id)) continue;
    auto counts = store::invocations::CountsByRun((*db)->connection(), r.experiment_id);
    if (!counts.ok()) return ReportError(counts.status(), ctx);
    lengths[r.experiment_id] = std::move(*counts);
  }
  auto length_of = [&](const store::RunRecord& r) {
    const auto& by_run = lengths[r.experiment_id];
    auto it = by_run.find(r.id);
    return it == by_run.end() ? int64_t{0} : it->second;
  };
  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : *runs) {
      auto j = RunToJson(r);
      j["length"] = length_of(r);
      list.push_back(std::move(j));
    }
    PrintJson(ctx, list);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *runs) {
    std::string stop = r.stop_reason.value_or("running");
    if (r.loop_length) stop += " (loop " + std::to_string(*r.loop_length) + ")";
    rows.push_back({r.id, std::to_string(r.run_number), nlohmann::json(r.network).dump(), std::to_string(r.seed),
                    std::to_string(length_of(r)) + "/" + std::to_string(r.max_length),
                    r.initial_prompt.size() > 40 ? r.initial_prompt.substr(0, 37) + "..." : r.initial_prompt, stop});
  }
  PrintTable(ctx.out, {"ID", "#", "NETWORK", "SEED", "LENGTH", "PROMPT", "STOP"}, rows);
  return kExitOk;
}

int ShowCommand(const ParsedArgs& args, Context& ctx) {
  auto opened = OpenRun(ctx, args.positional[0]);
  if (!opened.ok()) return ReportError(opened.status(), ctx);
  store::Database& db = *opened->db;
  const std::string& id = opened->id;
  auto run = store::runs::Get(db.connection(), id);
  if (!run.ok()) return ReportError(run.status(), ctx);
  auto invocations =
      db.Read([&](store::SqliteDb& c) { return store::invocations::ListForRun(c, id, /*with_outputs=*/true); });
  if (!invocations.ok()) return ReportError(invocations.status(), ctx);
  auto embedded = store::embeddings::ModelsByInvocation(db.connection(), id);
  if (!embedded.ok()) return ReportError(embedded.status(), ctx);
  auto diagram_models = store::diagrams::Models(db.connection(), id);
  if (!diagram_models.ok()) return ReportError(diagram_models.status(), ctx);

  nlohmann::json steps = nlohmann::json::array();
  for (const auto& inv : *invocations) {
    steps.push_back(engine::InvocationStepToJson(inv, embedded->count(inv.id) ? embedded->at(inv.id) : std::vector<std::string>{}));
  }
  // A duplicate stop repeats an earlier output: the last step repeats step − loop_length.
  std::optional<int64_t> repeats_step;
  if (run->stop_reason == store::kStopDuplicate && run->loop_length && !invocations->empty()) {
    repeats_step = invocations->back().sequence_number - *run->loop_length;
  }
  if (ctx.json) {
    auto j = RunToJson(*run);
    j["length"] = invocations->size();
    if (repeats_step) j["repeats_step"] = *repeats_step;
    j["invocations"] = steps;
    j["diagrams"] = *diagram_models;
    PrintJson(ctx, j);
    return kExitOk;
  }
  const auto& r = *run;
  ctx.out << "run          " << r.id << " (#" << r.run_number << " of experiment " << r.experiment_id << ")\n"
          << "network      " << nlohmann::json(r.network).dump() << "\n"
          << "seed         " << r.seed << "\n"
          << "prompt       " << r.initial_prompt << "\n"
          << "length       " << Count(static_cast<int64_t>(invocations->size()), "step") << " of " << r.max_length
          << "\n"
          << "stop         " << r.stop_reason.value_or("running");
  if (repeats_step) {
    ctx.out << " (step " << invocations->back().sequence_number << " repeats step " << *repeats_step
            << ": loop length " << *r.loop_length << ")";
  } else if (r.loop_length) {
    ctx.out << " (loop length " << *r.loop_length << ")";
  }
  if (r.error) ctx.out << ": " << *r.error;
  ctx.out << "\ndiagrams     " << (diagram_models->empty() ? "-" : nlohmann::json(*diagram_models).dump()) << "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : steps) {
    std::string output = s["type"] == "text" ? s["output_text"].get<std::string>()
                                             : "image " + std::to_string(s["image_bytes"].get<size_t>()) + " B sha256:" +
                                                   s["image_sha256"].get<std::string>().substr(0, 16);
    if (output.size() > 80) output = output.substr(0, 77) + "...";
    std::string by;
    for (const auto& m : s["embedded_by"]) by += (by.empty() ? "" : ",") + m.get<std::string>();
    rows.push_back({std::to_string(s["sequence_number"].get<int64_t>()), s["model"], by.empty() ? "-" : by, output});
  }
  PrintTable(ctx.out, {"STEP", "MODEL", "EMBEDDED BY", "OUTPUT"}, rows);
  return kExitOk;
}

int DiagramCommand(const ParsedArgs& args, Context& ctx) {
  auto format = args.GetChoice("format", {"text", "json", "npz"}, ctx.json ? "json" : "text");
  if (!format.ok()) return ReportError(format.status(), ctx);
  const auto output = args.Get("output");
  if (Status st = CheckExplicitFormat(args, ctx.json, *format); !st.ok()) return ReportError(st, ctx);  // before any work
  if (*format == "npz" && !output && ctx.stdout_is_tty) {  // checked early: nothing is read in vain
    return ReportError(WriteCommandOutput(ctx, "", true, *format, output), ctx);
  }
  auto opened = OpenRun(ctx, args.positional[0]);
  if (!opened.ok()) return ReportError(opened.status(), ctx);
  store::Database& db = *opened->db;
  const std::string& id = opened->id;
  auto available = store::diagrams::Models(db.connection(), id);
  if (!available.ok()) return ReportError(available.status(), ctx);
  std::string model;
  if (auto m = args.Get("model")) {
    model = *m;
    // A model the run has no diagram under: bad input naming what there is (it was "run … has
    // no persistence diagram under 'X'", without the models it has).
    if (std::find(available->begin(), available->end(), model) == available->end()) {
      std::string list = available->empty() ? "none" : nlohmann::json(*available).dump();
      return ReportError(Status::InvalidArgument("--model: '" + model + "' is not allowed (an embedding model with a " +
                                                 "diagram of this run: " + list + ")"),
                         ctx);
    }
  } else if (available->size() == 1) {
    model = (*available)[0];
  } else {
    std::string list = available->empty() ? "none" : nlohmann::json(*available).dump();
    return ReportError(Status::InvalidArgument("--model: choose the embedding model (diagrams of this run: " + list + ")"),
                       ctx);
  }
  auto record = store::diagrams::Get(db.connection(), id, model);
  if (!record.ok()) return ReportError(record.status(), ctx);
  auto decoded = store::DecodeStoredDiagram(*record);
  if (!decoded.ok()) {
    Status s = decoded.status().WithContext("the diagram of run " + id + " under " + model);
    if (!record->diagram_data) s = Status::ModelFailed(s.message() + " (resume retries it)");  // exit 1
    return ReportError(s, ctx);
  }
  const auto& d = decoded->diagram;
  // The ε of an approximate diagram (options.approximate / exact_up_to); absent: exact.
  const std::optional<double> epsilon =
      record->approximation_epsilon ? record->approximation_epsilon : decoded->approximation_epsilon;
  std::string bytes;
  if (*format == "npz") {
    bytes = *record->diagram_data;  // the stored archive as it is: `tda distance` reads it
  } else if (*format == "json") {
    nlohmann::json j = {{"run_id", id}, {"embedding_model", model}, {"diagram_id", record->id},
                        {"computed_at", record->completed_at}};
    j.update(DiagramJson(d, decoded->entropy));
    j["approximation_epsilon"] = epsilon ? nlohmann::json(*epsilon) : nlohmann::json(nullptr);  // null: exact
    bytes = j.dump(2) + "\n";
  } else {
    bytes = "# run " + id + ", embedding model " + model + " (computed " + record->completed_at + ")\n" +
            (epsilon ? "# approximate: sparse Rips, epsilon " + FormatValue(*epsilon) +
                           " (each bar within a factor 1+epsilon of the exact diagram's)\n"
                     : "") +
            DiagramText(d, decoded->entropy);
  }
  Status written = WriteCommandOutput(ctx, bytes, *format == "npz", *format, output);
  return written.ok() ? kExitOk : ReportError(written, ctx);
}

}  // namespace

std::vector<CommandSpec> RunCommands() {
  return {
      {"run", "list", "list runs (of one experiment, or all)", "", 0, 0,
       {{"experiment", "ID", "only the runs of this experiment (id, prefix or 'latest')"}},
       "LENGTH is the steps a run has against its max_length.", ListCommand},
      {"run", "show", "one run's chain of invocations: step, model, embeddings, text or image size and hash", "RUN", 1,
       1, {}, kRunArgumentHelp, ShowCommand},
      {"run", "diagram", "the stored persistence diagram and entropy of a run", "RUN", 1, 1,
       {{"model", "M", "the embedding model (needed when the run has diagrams under several)"},
        {"format", "FMT", "text (default), json or npz (the stored archive; `tda distance` reads it)"},
        {"output", "FILE", "write to FILE instead of standard output (npz: needed on a terminal)"}},
       std::string(kRunArgumentHelp) +
           "\nText: '# H<d>: <n> bars, entropy <e>' per dimension, then '<d> <birth> <death>' per bar\n"
           "(death 'inf' for an essential class), as `tda ph` prints. JSON: {\"dimensions\": [{\"dim\",\n"
           "\"bars\": [[birth, death or null]], \"entropy\"}], \"approximation_epsilon\": null or ε, ...}, as `tda ph`\n"
           "prints. An approximate diagram (options.approximate) has a '# approximate' line in text.",
       DiagramCommand},
  };
}

}  // namespace panic::cli
