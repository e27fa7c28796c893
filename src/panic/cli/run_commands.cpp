// `run list|show`.
#include <ostream>

#include "panic/cli/cli_common.h"
#include "panic/cli/command.h"
#include "panic/core/sha256.h"
#include "panic/store/npz_codec.h"

namespace panic::cli {
namespace {

int ListCommand(const ParsedArgs& args, Context& ctx) {
  auto store = OpenStore(ctx, store::Store::Mode::kReadOnly);
  if (!store.ok()) return ReportError(store.status(), ctx);
  Result<std::vector<store::RunRecord>> runs = std::vector<store::RunRecord>{};
  if (auto exp = args.Get("experiment")) {
    auto id = (*store)->ResolveExperimentId(*exp);
    if (!id.ok()) return ReportError(id.status(), ctx);
    runs = (*store)->ListRuns(*id);
  } else {
    runs = (*store)->ListAllRuns();
  }
  if (!runs.ok()) return ReportError(runs.status(), ctx);
  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : *runs) list.push_back(RunToJson(r));
    PrintJson(ctx, list);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *runs) {
    std::string stop = r.stop_reason.value_or("running");
    if (r.loop_length) stop += " (loop " + std::to_string(*r.loop_length) + ")";
    rows.push_back({r.id, std::to_string(r.run_number), nlohmann::json(r.network).dump(), std::to_string(r.seed),
                    r.initial_prompt.size() > 40 ? r.initial_prompt.substr(0, 37) + "..." : r.initial_prompt, stop});
  }
  PrintTable(ctx.out, {"ID", "#", "NETWORK", "SEED", "PROMPT", "STOP"}, rows);
  return kExitOk;
}

int ShowCommand(const ParsedArgs& args, Context& ctx) {
  auto opened = OpenRun(ctx, args.positional[0]);
  if (!opened.ok()) return ReportError(opened.status(), ctx);
  auto& store = opened->store;
  const std::string& id = opened->id;
  auto run = store->GetRun(id);
  if (!run.ok()) return ReportError(run.status(), ctx);
  auto invocations = store->ListInvocations(id, /*with_outputs=*/true);
  if (!invocations.ok()) return ReportError(invocations.status(), ctx);
  auto embedded = store->EmbeddingModelsByInvocation(id);
  if (!embedded.ok()) return ReportError(embedded.status(), ctx);
  auto diagram_models = store->DiagramModels(id);
  if (!diagram_models.ok()) return ReportError(diagram_models.status(), ctx);

  nlohmann::json steps = nlohmann::json::array();
  for (const auto& inv : *invocations) {
    nlohmann::json step = {{"id", inv.id},
                           {"sequence_number", inv.sequence_number},
                           {"model", inv.model},
                           {"type", inv.type == store::OutputType::kText ? "text" : "image"},
                           {"seed", inv.seed},
                           {"started_at", inv.started_at},
                           {"completed_at", inv.completed_at}};
    if (inv.type == store::OutputType::kText) {
      step["output_text"] = inv.output_text;
    } else {
      step["image_bytes"] = inv.output_image.size();
      step["image_sha256"] = Sha256Hex(inv.output_image);
    }
    step["embedded_by"] = embedded->count(inv.id) ? embedded->at(inv.id) : std::vector<std::string>{};
    steps.push_back(step);
  }
  if (ctx.json) {
    auto j = RunToJson(*run);
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
          << "stop         " << r.stop_reason.value_or("running");
  if (r.loop_length) ctx.out << " (loop length " << *r.loop_length << ")";
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

std::string FormatBars(const tda::Bars& bars) {
  std::string out;
  char buf[64];
  for (const auto& b : bars) {
    std::snprintf(buf, sizeof buf, "  %.6g %s\n", b.birth, b.IsEssential() ? "inf" : std::to_string(b.death).c_str());
    out += buf;
  }
  return out;
}

int DiagramCommand(const ParsedArgs& args, Context& ctx) {
  auto format = args.GetChoice("format", {"text", "json"}, ctx.json ? "json" : "text");
  if (!format.ok()) return ReportError(format.status(), ctx);
  auto opened = OpenRun(ctx, args.positional[0]);
  if (!opened.ok()) return ReportError(opened.status(), ctx);
  auto& store = opened->store;
  const std::string& id = opened->id;
  auto available = store->DiagramModels(id);
  if (!available.ok()) return ReportError(available.status(), ctx);
  std::string model;
  if (auto m = args.Get("model")) {
    model = *m;
  } else if (available->size() == 1) {
    model = (*available)[0];
  } else {
    std::string list = available->empty() ? "none" : nlohmann::json(*available).dump();
    return ReportError(Status::InvalidArgument("--model: choose the embedding model (diagrams of this run: " + list + ")"),
                       ctx);
  }
  auto record = store->GetDiagram(id, model);
  if (!record.ok()) return ReportError(record.status(), ctx);
  auto decoded = store::DecodeStoredDiagram(*record);
  if (!decoded.ok()) {
    Status s = decoded.status().WithContext("the diagram of run " + id + " under " + model);
    if (!record->diagram_data) s = Status::ModelFailed(s.message() + " (resume retries it)");  // exit 1
    return ReportError(s, ctx);
  }
  const auto& d = decoded->diagram;
  if (*format == "json") {
    nlohmann::json dims = nlohmann::json::array();
    for (size_t k = 0; k < d.num_dimensions(); ++k) {
      nlohmann::json bars = nlohmann::json::array();
      for (const auto& b : d.bars(k)) bars.push_back({b.birth, b.IsEssential() ? nlohmann::json("inf") : nlohmann::json(b.death)});
      dims.push_back(bars);
    }
    PrintJson(ctx, {{"run_id", id}, {"embedding_model", model}, {"diagram_id", record->id},
                    {"dimensions", dims}, {"entropy", decoded->entropy}, {"computed_at", record->completed_at}});
    return kExitOk;
  }
  ctx.out << "run " << id << ", embedding model " << model << " (computed " << record->completed_at << ")\n";
  for (size_t k = 0; k < d.num_dimensions(); ++k) {
    ctx.out << "H" << k << ": " << d.bars(k).size() << " bars, persistent entropy "
            << (k < decoded->entropy.size() ? decoded->entropy[k] : 0.0f) << "\n" << FormatBars(d.bars(k));
  }
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> RunCommands() {
  return {
      {"run", "list", "list runs (of one experiment, or all)", "", 0, 0,
       {{"experiment", "ID", "only the runs of this experiment (id, prefix or 'latest')"}}, "", ListCommand},
      {"run", "show", "one run's chain of invocations: step, model, embeddings, text or image size and hash", "ID", 1,
       1, {}, "", ShowCommand},
      {"run", "diagram", "the stored persistence diagram and entropy of a run", "ID", 1, 1,
       {{"model", "M", "the embedding model (needed when the run has diagrams under several)"},
        {"format", "FMT", "text (default) or json"}},
       "", DiagramCommand},
  };
}

}  // namespace panic::cli
