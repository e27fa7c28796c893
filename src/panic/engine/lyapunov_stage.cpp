#include "panic/engine/lyapunov_stage.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "panic/analysis/divergence.h"
#include "panic/core/log.h"
#include "panic/core/sha256.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/runs_table.h"

namespace panic::engine {
namespace {

std::string GroupKey(const std::string& model, const std::vector<std::string>& network, const std::string& prompt,
                     const std::string& other) {
  return nlohmann::json({model, network, prompt, other}).dump();
}

// What a result is computed from: the kind, the model and each run with its vector count.
std::string Fingerprint(const std::string& model, const std::vector<std::string>& runs,
                        const std::vector<std::string>& others, const std::map<std::string, int64_t>& counts) {
  std::string text = "unit-sphere|" + model + "|";
  for (const auto& r : runs) text += r + ":" + std::to_string(counts.at(r)) + ";";
  text += "|";
  for (const auto& r : others) text += r + ":" + std::to_string(counts.at(r)) + ";";
  return Sha256Hex(text);
}

Result<std::vector<float>> LoadTrajectory(store::SqliteDb& db, const std::string& run_id, const std::string& model,
                                          size_t& dim) {
  PANIC_ASSIGN_OR_RETURN(auto vectors, store::embeddings::LoadRunVectors(db, run_id, model));
  std::vector<float> flat;
  for (const auto& v : vectors) {
    if (dim == 0) dim = v.size();
    if (v.size() != dim) {
      return Status::Corruption("run " + run_id + " has " + model + " vectors of " + std::to_string(v.size()) +
                                " and " + std::to_string(dim) + " values");
    }
    flat.insert(flat.end(), v.begin(), v.end());
  }
  return flat;
}

}  // namespace

const StageInfo& LyapunovStage::info() const {
  static const StageInfo kInfo{"lyapunov", "groups",
                               "divergence of each (network, prompt) group of runs and across prompts (Lyapunov, τ)",
                               false, {}};
  return kInfo;
}

Result<std::vector<LyapunovGroup>> LyapunovStage::ListGroups(store::SqliteDb& db,
                                                            const store::ExperimentRecord& experiment) {
  PANIC_ASSIGN_OR_RETURN(auto runs, store::runs::List(db, experiment.id));
  std::vector<std::string> prompts;  // the experiment's order, once each
  for (const auto& p : experiment.prompts) {
    if (std::find(prompts.begin(), prompts.end(), p) == prompts.end()) prompts.push_back(p);
  }
  std::vector<LyapunovGroup> out;
  for (const auto& model : experiment.embedding_models) {
    PANIC_ASSIGN_OR_RETURN(auto counts, store::analysis_reads::EmbeddingCountsByRun(db, experiment.id, model));
    // network → prompt → eligible runs in run order.
    std::vector<std::pair<std::vector<std::string>, std::map<std::string, std::vector<std::string>>>> by_network;
    for (const auto& net : experiment.networks) by_network.push_back({net, {}});
    for (const auto& r : runs) {
      if (!r.finished()) continue;
      auto c = counts.find(r.id);
      if (c == counts.end() || c->second < 2) continue;
      for (auto& [net, groups] : by_network) {
        if (net == r.network) groups[r.initial_prompt].push_back(r.id);
      }
    }
    for (const auto& [net, groups] : by_network) {
      for (size_t i = 0; i < prompts.size(); ++i) {
        auto a = groups.find(prompts[i]);
        if (a == groups.end()) continue;
        if (a->second.size() >= 2) {
          out.push_back({model, net, prompts[i], "", a->second, {}, Fingerprint(model, a->second, {}, counts)});
        }
        for (size_t j = i + 1; j < prompts.size(); ++j) {
          auto b = groups.find(prompts[j]);
          if (b == groups.end()) continue;
          out.push_back({model, net, prompts[i], prompts[j], a->second, b->second,
                         Fingerprint(model, a->second, b->second, counts)});
        }
      }
    }
  }
  return out;
}

Result<StagePlan> LyapunovStage::Plan(StageContext& ctx) {
  todo_.clear();
  next_ = 0;
  store::Database& db = ctx.db;
  std::vector<LyapunovGroup> groups;
  std::map<std::string, std::string> stored;  // group key → fingerprint
  PANIC_RETURN_IF_ERROR(db.Read([&](store::SqliteDb& c) -> Status {
    PANIC_ASSIGN_OR_RETURN(groups, ListGroups(c, ctx.experiment));
    PANIC_ASSIGN_OR_RETURN(auto results, store::lyapunov::List(c, ctx.experiment.id));
    for (const auto& r : results) {
      stored[GroupKey(r.embedding_model, r.network, r.initial_prompt, r.other_prompt)] = r.runs_fingerprint;
    }
    return Status::Ok();
  }));
  StagePlan plan;
  for (auto& g : groups) {
    ++plan.total;
    auto s = stored.find(GroupKey(g.model, g.network, g.prompt, g.other_prompt));
    if (s != stored.end() && s->second == g.fingerprint) ++plan.done;
    else todo_.push_back(std::move(g));
  }
  return plan;
}

Result<std::optional<LyapunovUnit>> LyapunovStage::Next(StageContext& ctx) {
  if (next_ >= todo_.size()) return std::optional<LyapunovUnit>();
  LyapunovUnit unit{ctx.experiment.id, std::move(todo_[next_++]), {}, {}, 0};
  PANIC_RETURN_IF_ERROR(ctx.db.Read([&](store::SqliteDb& c) -> Status {
    for (const auto& r : unit.group.runs) {
      PANIC_ASSIGN_OR_RETURN(auto t, LoadTrajectory(c, r, unit.group.model, unit.dim));
      unit.runs.push_back(std::move(t));
    }
    for (const auto& r : unit.group.others) {
      PANIC_ASSIGN_OR_RETURN(auto t, LoadTrajectory(c, r, unit.group.model, unit.dim));
      unit.others.push_back(std::move(t));
    }
    return Status::Ok();
  }));
  return std::optional<LyapunovUnit>(std::move(unit));
}

Result<LyapunovOutput> LyapunovStage::Run(const LyapunovUnit& unit, ExecuteContext& ctx) {
  const LyapunovGroup& g = unit.group;
  std::vector<analysis::Trajectory> a(unit.runs.begin(), unit.runs.end());
  std::vector<analysis::Trajectory> b(unit.others.begin(), unit.others.end());
  analysis::DivergenceOptions options;
  options.threads = ctx.threads;
  auto result = g.other_prompt.empty() ? analysis::GroupDivergence(a, unit.dim, options)
                                       : analysis::CrossGroupDivergence(a, b, unit.dim, options);
  LyapunovOutput out;
  std::string what = g.model + " on " + nlohmann::json(g.network).dump() + ", prompt '" + g.prompt + "'" +
                     (g.other_prompt.empty() ? "" : " against '" + g.other_prompt + "'");
  if (!result.ok()) {
    if (result.status().code() != StatusCode::kInvalidArgument) return result.status().WithContext(what);
    out.error = what + ": " + result.status().message();
    return out;
  }
  store::LyapunovRecord r;
  r.id = NewUuidV7();
  r.experiment_id = unit.experiment_id;
  r.network = g.network;
  r.initial_prompt = g.prompt;
  r.other_prompt = g.other_prompt;
  r.embedding_model = g.model;
  r.num_runs = static_cast<int64_t>(g.runs.size() + g.others.size());
  r.num_pairs = static_cast<int64_t>(result->num_pairs);
  r.num_timesteps = static_cast<int64_t>(result->num_timesteps);
  r.exponent = result->log_linear.exponent;
  r.intercept = result->log_linear.intercept;
  r.r_squared = result->log_linear.r_squared;
  r.bounded_status = analysis::BoundedFitStatusName(result->bounded.status);
  r.d_inf = result->bounded.d_inf;
  r.d0 = result->bounded.d0;
  r.tau = result->bounded.tau;
  r.bounded_r_squared = result->bounded.r_squared;
  r.curve = std::move(result->curve);
  r.runs_fingerprint = g.fingerprint;
  r.computed_at = NowIso();
  out.record = std::move(r);
  return out;
}

Result<UnitOutcome> LyapunovStage::Write(StageContext& ctx, LyapunovOutput& output) {
  UnitOutcome outcome;
  if (output.record) {
    PANIC_RETURN_IF_ERROR(
        ctx.db.Write([&](store::SqliteDb& c) { return store::lyapunov::Put(c, *output.record); }));
    outcome.written = 1;
  } else {
    Log(LogLevel::kWarning, "lyapunov stage: no result for " + output.error + " (tried again on the next pass)");
    outcome.failed = 1;
  }
  return outcome;
}

}  // namespace panic::engine
