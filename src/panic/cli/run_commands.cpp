// `run list|show`.
#include <ostream>

#include "panic/cli/cli_common.h"
#include "panic/cli/command.h"
#include "panic/core/sha256.h"

namespace panic::cli {
namespace {

int ListCommand(const ParsedArgs& args, Context& ctx) {
  auto store = OpenStore(ctx, store::Store::Mode::kExisting);
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
  auto store = OpenStore(ctx, store::Store::Mode::kExisting);
  if (!store.ok()) return ReportError(store.status(), ctx);
  auto id = (*store)->ResolveRunId(args.positional[0]);
  if (!id.ok()) return ReportError(id.status(), ctx);
  auto run = (*store)->GetRun(*id);
  if (!run.ok()) return ReportError(run.status(), ctx);
  auto invocations = (*store)->ListInvocations(*id, /*with_outputs=*/true);
  if (!invocations.ok()) return ReportError(invocations.status(), ctx);

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
    steps.push_back(step);
  }
  if (ctx.json) {
    auto j = RunToJson(*run);
    j["invocations"] = steps;
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
  ctx.out << "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : steps) {
    std::string output = s["type"] == "text" ? s["output_text"].get<std::string>()
                                             : "image " + std::to_string(s["image_bytes"].get<size_t>()) + " B sha256:" +
                                                   s["image_sha256"].get<std::string>().substr(0, 16);
    if (output.size() > 80) output = output.substr(0, 77) + "...";
    rows.push_back({std::to_string(s["sequence_number"].get<int64_t>()), s["model"], output});
  }
  PrintTable(ctx.out, {"STEP", "MODEL", "OUTPUT"}, rows);
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> RunCommands() {
  return {
      {"run", "list", "list runs (of one experiment, or all)", "", 0, 0,
       {{"experiment", "ID", "only the runs of this experiment (id, prefix or 'latest')"}}, "", ListCommand},
      {"run", "show", "one run's chain of invocations: step, model, text or image size and hash", "ID", 1, 1, {}, "",
       ShowCommand},
  };
}

}  // namespace panic::cli
