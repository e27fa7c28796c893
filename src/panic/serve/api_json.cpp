#include "panic/serve/api_json.h"

#include "panic/store/writer_lease.h"

namespace panic::serve {
namespace {

template <typename T>
nlohmann::json OrNull(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

}  // namespace

nlohmann::json ExperimentJson(const store::ExperimentRecord& e) {
  nlohmann::json options = nlohmann::json::parse(e.options_json, nullptr, false);
  return {{"id", e.id},
          {"networks", e.networks},
          {"seeds", e.seeds},
          {"prompts", e.prompts},
          {"embedding_models", e.embedding_models},
          {"max_length", e.max_length},
          {"options", options.is_discarded() ? nlohmann::json(e.options_json) : options},
          {"started_at", OrNull(e.started_at)},
          {"completed_at", OrNull(e.completed_at)},
          {"created_at", e.created_at},
          {"updated_at", e.updated_at}};
}

nlohmann::json RunJson(const store::RunRecord& r) {
  return {{"id", r.id},
          {"experiment_id", r.experiment_id},
          {"run_number", r.run_number},
          {"network", r.network},
          {"seed", r.seed},
          {"max_length", r.max_length},
          {"initial_prompt", r.initial_prompt},
          {"stop_reason", OrNull(r.stop_reason)},
          {"loop_length", OrNull(r.loop_length)},
          {"error", OrNull(r.error)},
          {"completed_at", OrNull(r.completed_at)}};
}

nlohmann::json SummaryJson(const engine::ExperimentSummary& s) {
  nlohmann::json j = ExperimentJson(s.experiment);
  const auto& c = s.counts;
  j["status"] = s.status;
  j["runs"] = {{"total", c.runs_total}, {"finished", c.runs_finished}, {"failed", c.runs_failed},
               {"stop_reasons", c.stop_reasons}};
  j["invocations"] = {{"done", c.invocations}, {"expected", s.invocations_expected},
                      {"text", c.text_invocations}, {"image", c.image_invocations}};
  nlohmann::json stages = nlohmann::json::object();
  nlohmann::json per_model = nlohmann::json::object();
  for (const auto& stage : s.stages) {
    for (const auto& n : stage.counts) {
      nlohmann::json count = {{"done", n.done}, {"expected", n.expected}, {"failed", n.failed}, {"stale", n.stale}};
      if (stage.info.name == "diagrams" && !n.label.empty()) {
        // Stored diagrams of the (1 + ε) sparse filtration, per ε (options.approximate / exact_up_to).
        int64_t total = 0;
        nlohmann::json by_epsilon = nlohmann::json::array();
        for (const auto& a : s.approximate_diagrams) {
          if (a.model != n.label) continue;
          total += a.diagrams;
          by_epsilon.push_back({{"epsilon", a.epsilon}, {"diagrams", a.diagrams}});
        }
        count["approximate"] = total;
        count["approximate_by_epsilon"] = std::move(by_epsilon);
      }
      if (n.label.empty()) stages[stage.info.name] = count;
      else per_model[n.label][stage.info.name] = count;
    }
  }
  j["stages"] = stages;
  j["embedding_models_progress"] = per_model;
  j["elapsed_s"] = s.elapsed_s;
  j["eta_s"] = OrNull(s.eta_s);
  nlohmann::json eta_stages = nlohmann::json::object();
  for (const auto& st : s.eta.stages) {
    eta_stages[st.stage] = {{"unit", st.unit},         {"remaining", st.remaining},
                            {"measured", st.measured}, {"busy_s", st.busy_s},
                            {"rate_per_s", OrNull(st.rate)}, {"eta_s", OrNull(st.eta_s)}};
  }
  j["eta"] = {{"total_s", OrNull(s.eta.total_s)}, {"known_s", s.eta.known_s},
              {"unknown", s.eta.unknown}, {"stages", eta_stages}};
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& f : s.failed_runs) failed.push_back({{"run_id", f.run_id}, {"run_number", f.run_number}, {"error", f.error}});
  j["failed_runs"] = failed;
  return j;
}

nlohmann::json DiagramJson(const tda::Diagram& diagram, const std::vector<float>& entropy) {
  nlohmann::json dims = nlohmann::json::array();
  for (size_t k = 0; k < diagram.num_dimensions(); ++k) {
    nlohmann::json bars = nlohmann::json::array();
    for (const tda::Bar& b : diagram.bars(k)) {
      bars.push_back({b.birth, b.IsEssential() ? nlohmann::json(nullptr) : nlohmann::json(b.death)});
    }
    dims.push_back({{"dim", k},
                    {"bars", std::move(bars)},
                    {"entropy", k < entropy.size() ? nlohmann::json(entropy[k]) : nlohmann::json(nullptr)}});
  }
  return {{"dimensions", std::move(dims)}};
}

nlohmann::json ClusteringResultJson(const store::clustering::ResultRecord& r) {
  nlohmann::json parameters = nlohmann::json::parse(r.parameters_json, nullptr, false);
  if (parameters.is_discarded()) parameters = r.parameters_json;
  nlohmann::json j = {{"id", r.id},
                      {"embedding_model", r.embedding_model},
                      {"algorithm", r.algorithm},
                      {"path", OrNull(r.path)},
                      {"scope", r.scope},
                      {"experiment_ids", r.experiment_ids},
                      {"point_count", OrNull(r.point_count)},
                      {"dimension", OrNull(r.dimension)},
                      {"cluster_count", OrNull(r.cluster_count)},
                      {"outlier_count", OrNull(r.outlier_count)},
                      {"parameters", parameters},
                      {"read_s", OrNull(r.read_seconds)},
                      {"cluster_s", OrNull(r.cluster_seconds)},
                      {"write_s", OrNull(r.write_seconds)},
                      {"started_at", r.started_at},
                      {"completed_at", OrNull(r.completed_at)}};
  if (r.point_count && r.outlier_count && *r.point_count > 0) {
    j["outlier_share"] = static_cast<double>(*r.outlier_count) / static_cast<double>(*r.point_count);
  }
  std::optional<double> outside;
  if (r.read_seconds && r.cluster_seconds && r.write_seconds) {
    const double total = *r.read_seconds + *r.cluster_seconds + *r.write_seconds;
    outside = total > 0 ? (*r.read_seconds + *r.write_seconds) / total : 0.0;
  }
  j["outside_algorithm_share"] = OrNull(outside);
  return j;
}

nlohmann::json ClusterJson(const store::clustering::ClusterSummary& c, int64_t n) {
  return {{"label", c.label},
          {"size", c.size},
          {"share", n > 0 ? static_cast<double>(c.size) / static_cast<double>(n) : 0.0},
          {"run_count", c.run_count},
          {"medoid_embedding_id", OrNull(c.medoid_embedding_id)},
          {"medoid_invocation_id", c.medoid_type ? nlohmann::json(c.medoid_invocation_id) : nlohmann::json(nullptr)},
          {"medoid_type", OrNull(c.medoid_type)},
          {"medoid_text", c.medoid_type && *c.medoid_type == "text" ? nlohmann::json(c.medoid_text) : nlohmann::json(nullptr)}};
}

Result<StatusWord> DescribeStatus(store::Database& db, const store::ExperimentRecord& e,
                                  const store::ExperimentCounts& counts) {
  StatusWord status;
  int64_t failures = counts.runs_failed;
  for (const auto& [model, n] : counts.diagram_failures) failures += n;
  if (e.completed_at) {
    status.word = "completed";
    return status;
  }
  PANIC_ASSIGN_OR_RETURN(status.writer, store::LiveWriter(db, e.id));
  if (status.writer) status.word = "running";
  else if (!e.started_at) status.word = "not started";
  else status.word = failures > 0 ? "incomplete" : "interrupted";
  return status;
}

}  // namespace panic::serve
