#include "panic/engine/json_shapes.h"

#include <cstdio>

#include "panic/core/sha256.h"

namespace panic::engine {

nlohmann::json ExperimentToJson(const store::ExperimentRecord& e) {
  nlohmann::json options = nlohmann::json::parse(e.options_json, nullptr, false);
  return {{"id", e.id},
          {"networks", e.networks},
          {"seeds", e.seeds},
          {"prompts", e.prompts},
          {"embedding_models", e.embedding_models},
          {"max_length", e.max_length},
          {"options", options.is_discarded() ? nlohmann::json(e.options_json) : options},
          {"started_at", e.started_at ? nlohmann::json(*e.started_at) : nlohmann::json()},
          {"completed_at", e.completed_at ? nlohmann::json(*e.completed_at) : nlohmann::json()},
          {"created_at", e.created_at},
          {"updated_at", e.updated_at}};
}

nlohmann::json RunToJson(const store::RunRecord& r) {
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  return {{"id", r.id},
          {"experiment_id", r.experiment_id},
          {"run_number", r.run_number},
          {"network", r.network},
          {"seed", r.seed},
          {"max_length", r.max_length},
          {"initial_prompt", r.initial_prompt},
          {"stop_reason", opt(r.stop_reason)},
          {"loop_length", opt(r.loop_length)},
          {"error", opt(r.error)},
          {"completed_at", opt(r.completed_at)}};
}

nlohmann::json InvocationStepToJson(const store::InvocationRecord& inv, const std::vector<std::string>& embedded_by) {
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
  step["embedded_by"] = embedded_by;
  return step;
}

ApproximateOfModel ApproximateDiagramsOf(const ExperimentSummary& s, const std::string& model) {
  ApproximateOfModel out;
  std::string parts;
  int kinds = 0;
  for (const auto& a : s.approximate_diagrams) {
    if (a.model != model) continue;
    out.total += a.diagrams;
    out.by_epsilon.push_back({{"epsilon", a.epsilon}, {"diagrams", a.diagrams}});
    char eps[32];
    std::snprintf(eps, sizeof eps, "%g", a.epsilon);
    parts += std::string(kinds++ ? ", " : "") + std::to_string(a.diagrams) + " with ε = " + eps;
    if (kinds == 1) out.text = std::string("ε = ") + eps;
  }
  if (kinds == 0) return out;
  out.text = std::to_string(out.total) + " approximate" + (kinds == 1 ? ", " + out.text : ": " + parts);
  return out;
}

nlohmann::json SummaryToJson(const ExperimentSummary& s) {
  nlohmann::json j = ExperimentToJson(s.experiment);
  const auto& c = s.counts;
  j["status"] = s.status;
  j["runs"] = {{"total", c.runs_total}, {"finished", c.runs_finished}, {"failed", c.runs_failed},
               {"stop_reasons", c.stop_reasons}};
  j["invocations"] = {{"done", c.invocations}, {"expected", s.invocations_expected},
                      {"text", c.text_invocations}, {"image", c.image_invocations}};
  // Per stage, and per embedding model for the stages that count per model.
  nlohmann::json stages = nlohmann::json::object();
  nlohmann::json per_model = nlohmann::json::object();
  for (const auto& stage : s.stages) {
    for (const auto& count_of : stage.counts) {
      nlohmann::json count = {{"done", count_of.done}, {"expected", count_of.expected}, {"failed", count_of.failed}, {"stale", count_of.stale}};
      if (stage.info.name == "diagrams" && !count_of.label.empty()) {
        // Stored diagrams of the (1 + ε) sparse filtration (options.approximate / exact_up_to).
        ApproximateOfModel approximate = ApproximateDiagramsOf(s, count_of.label);
        count["approximate"] = approximate.total;
        count["approximate_by_epsilon"] = approximate.by_epsilon;
      }
      if (count_of.label.empty()) stages[stage.info.name] = count;
      else per_model[count_of.label][stage.info.name] = count;
    }
  }
  j["stages"] = stages;
  j["embedding_models_progress"] = per_model;
  j["elapsed_s"] = s.elapsed_s;  // working time (experiment_summary.h)
  j["span_s"] = s.span_s;
  j["eta_s"] = s.eta_s ? nlohmann::json(*s.eta_s) : nlohmann::json();
  // Per stage: its remaining work at its own measured rate (null: no rate yet).
  auto number_or_null = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  nlohmann::json eta_stages = nlohmann::json::object();
  for (const auto& st : s.eta.stages) {
    eta_stages[st.stage] = {{"unit", st.unit},         {"remaining", st.remaining},
                            {"measured", st.measured}, {"busy_s", st.busy_s},
                            {"rate_per_s", number_or_null(st.rate)}, {"eta_s", number_or_null(st.eta_s)}};
  }
  j["eta"] = {{"total_s", number_or_null(s.eta.total_s)}, {"known_s", s.eta.known_s},
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

// The share of a result's time spent outside the algorithm (reading and writing).
std::optional<double> OutsideShare(const store::clustering::ResultRecord& r) {
  if (!r.read_seconds || !r.cluster_seconds || !r.write_seconds) return std::nullopt;
  const double total = *r.read_seconds + *r.cluster_seconds + *r.write_seconds;
  return total > 0 ? (*r.read_seconds + *r.write_seconds) / total : 0.0;
}

nlohmann::json ClusteringResultToJson(const store::clustering::ResultRecord& r) {
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json parameters = nlohmann::json::parse(r.parameters_json, nullptr, false);
  if (parameters.is_discarded()) parameters = r.parameters_json;
  nlohmann::json j = {{"id", r.id},
                      {"embedding_model", r.embedding_model},
                      {"algorithm", r.algorithm},
                      {"path", opt(r.path)},
                      {"scope", r.scope},
                      {"experiment_ids", r.experiment_ids},
                      {"point_count", opt(r.point_count)},
                      {"dimension", opt(r.dimension)},
                      {"cluster_count", opt(r.cluster_count)},
                      {"outlier_count", opt(r.outlier_count)},
                      {"parameters", parameters},
                      {"read_s", opt(r.read_seconds)},
                      {"cluster_s", opt(r.cluster_seconds)},
                      {"write_s", opt(r.write_seconds)},
                      {"started_at", r.started_at},
                      {"completed_at", opt(r.completed_at)}};
  if (r.point_count && r.outlier_count && *r.point_count > 0) {
    j["outlier_share"] = static_cast<double>(*r.outlier_count) / static_cast<double>(*r.point_count);
  }
  auto outside = OutsideShare(r);
  j["outside_algorithm_share"] = opt(outside);
  return j;
}

}  // namespace panic::engine
