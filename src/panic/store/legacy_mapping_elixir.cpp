// The rows of an Elixir-era panic-tda database (Ecto: experiments, runs, invocations with
// AVIF images, embeddings, persistence diagrams and Lyapunov results as ETF terms) mapped
// to ours — legacy_mapping.h.
#include <limits>
#include <nlohmann/json.hpp>

#include "panic/core/json_limits.h"
#include "panic/store/avif_codec.h"
#include "panic/store/etf_codec.h"
#include "panic/store/image_codec.h"
#include "panic/store/legacy_mapping.h"
#include "panic/store/legacy_mapping_internal.h"
#include "panic/store/npz_codec.h"

namespace panic::store::legacy {

using namespace internal;

Result<ExperimentRecord> ElixirExperiment(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 8));
  const auto& c = row.values;
  ExperimentRecord e;
  PANIC_ASSIGN_OR_RETURN(e.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(e.networks, StringListsOf(c[1], "networks"));
  PANIC_ASSIGN_OR_RETURN(int64_t num_runs, IntegerOf(c[2], "num_runs"));
  if (num_runs < 1 || num_runs > 1000000) return Bad("num_runs", std::to_string(num_runs) + " is outside 1..1000000");
  e.seeds.assign(static_cast<size_t>(num_runs), -1);  // every Elixir run was unseeded
  PANIC_ASSIGN_OR_RETURN(e.prompts, StringsOf(c[3], "prompts"));
  PANIC_ASSIGN_OR_RETURN(e.embedding_models, StringsOf(c[4], "embedding_models"));
  PANIC_ASSIGN_OR_RETURN(e.max_length, IntegerOf(c[5], "max_length"));
  if (e.max_length <= 0) return Bad("max_length", std::to_string(e.max_length) + " is not positive");
  PANIC_ASSIGN_OR_RETURN(e.started_at, OptTime(ElixirTime, c[6], "started_at"));
  PANIC_ASSIGN_OR_RETURN(e.completed_at, OptTime(ElixirTime, c[7], "completed_at"));
  e.created_at = e.started_at.value_or(kUnknownTime);
  e.updated_at = e.completed_at.value_or(e.created_at);
  return e;
}

Result<RunRecord> ElixirRun(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 6));
  const auto& c = row.values;
  RunRecord r;
  PANIC_ASSIGN_OR_RETURN(r.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(r.network, StringsOf(c[1], "network"));
  PANIC_ASSIGN_OR_RETURN(r.run_number, IntegerOf(c[2], "run_number"));
  r.seed = -1;
  PANIC_ASSIGN_OR_RETURN(r.max_length, IntegerOf(c[3], "max_length"));
  if (r.max_length <= 0) return Bad("max_length", std::to_string(r.max_length) + " is not positive");
  PANIC_ASSIGN_OR_RETURN(r.initial_prompt, TextOf(c[4], "initial_prompt", kMaxTextBytes));
  PANIC_ASSIGN_OR_RETURN(r.experiment_id, CanonicalId(c[5], "experiment_id"));
  return r;
}

Result<InvocationRow> ElixirInvocation(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 10));
  const auto& c = row.values;
  InvocationRow out;
  InvocationRecord& i = out.record;
  PANIC_ASSIGN_OR_RETURN(i.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(i.started_at, TimeOr(ElixirTime, c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(i.completed_at, TimeOr(ElixirTime, c[2], c[1], "completed_at"));
  PANIC_ASSIGN_OR_RETURN(i.model, TextOf(c[3], "model", 1024));
  PANIC_ASSIGN_OR_RETURN(i.type, OutputTypeOf(c[4], "type"));
  i.seed = -1;
  PANIC_ASSIGN_OR_RETURN(i.run_id, CanonicalId(c[5], "run_id"));
  PANIC_ASSIGN_OR_RETURN(i.sequence_number, IntegerOf(c[6], "sequence_number"));
  if (i.sequence_number < 0) return Bad("sequence_number", std::to_string(i.sequence_number) + " is negative");
  if (c[7]) {
    PANIC_ASSIGN_OR_RETURN(i.input_invocation_id, CanonicalId(c[7], "input_invocation_id"));
  }
  const Value& output = i.type == OutputType::kText ? c[8] : c[9];
  out.output_missing = !output.has_value();
  if (output && i.type == OutputType::kText) {
    PANIC_ASSIGN_OR_RETURN(i.output_text, TextOf(output, "output_text", kMaxTextBytes));
  } else if (output) {
    if (output->size() > kMaxBlobBytes) return Bad("output_image", "larger than the cap");
    auto pixels = DecodeAvif(*output);
    if (!pixels.ok()) return Bad("output_image", pixels.status().message());
    PANIC_ASSIGN_OR_RETURN(i.output_image, EncodeWebp(*pixels, /*lossless=*/true));
  }
  return out;
}

Result<EmbeddingRow> ElixirEmbedding(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 6));
  const auto& c = row.values;
  EmbeddingRow e;
  PANIC_ASSIGN_OR_RETURN(e.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(e.started_at, TimeOr(ElixirTime, c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(e.completed_at, TimeOr(ElixirTime, c[2], c[1], "completed_at"));
  PANIC_ASSIGN_OR_RETURN(e.invocation_id, CanonicalId(c[3], "invocation_id"));
  PANIC_ASSIGN_OR_RETURN(e.embedding_model, TextOf(c[4], "embedding_model", 1024));
  PANIC_ASSIGN_OR_RETURN(e.vector, VectorBytes(c[5]));
  return e;
}

Result<PersistenceDiagramRecord> ElixirDiagramRow(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 6));
  const auto& c = row.values;
  PersistenceDiagramRecord d;
  PANIC_ASSIGN_OR_RETURN(d.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(d.started_at, TimeOr(ElixirTime, c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(d.completed_at, TimeOr(ElixirTime, c[2], c[1], "completed_at"));
  PANIC_ASSIGN_OR_RETURN(d.run_id, CanonicalId(c[4], "run_id"));
  PANIC_ASSIGN_OR_RETURN(d.embedding_model, TextOf(c[5], "embedding_model", 1024));
  if (!c[3]) {
    d.error = "failed in the Elixir era (NULL diagram_data)";
    return d;
  }
  if (c[3]->size() > kMaxBlobBytes) return Bad("diagram_data", "larger than the cap");
  auto decoded = DecodeElixirDiagram(*c[3]);
  if (!decoded.ok()) return Status::Corruption("diagram_data does not decode: " + decoded.status().message());
  d.diagram_data = EncodeDiagramNpz(decoded->diagram, decoded->entropy);
  return d;
}

Result<ClusteringRow> ElixirClustering(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 7));
  const auto& c = row.values;
  ClusteringRow r;
  PANIC_ASSIGN_OR_RETURN(r.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(r.started_at, TimeOr(ElixirTime, c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(r.completed_at, OptTime(ElixirTime, c[2], "completed_at"));
  PANIC_ASSIGN_OR_RETURN(r.embedding_model, TextOf(c[3], "embedding_model", 1024));
  PANIC_ASSIGN_OR_RETURN(r.algorithm, TextOf(c[4], "algorithm", 1024));
  const std::string text = c[5].value_or("{}");
  if (text.size() > kMaxJsonBytes || JsonNestingDepth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    return Bad("parameters", "is not a JSON object: " + Excerpt(text));
  }
  nlohmann::json parameters = nlohmann::json::parse(text, nullptr, false);
  if (!parameters.is_object()) return Bad("parameters", "is not a JSON object: " + Excerpt(text));
  if (c[6]) {
    PANIC_ASSIGN_OR_RETURN(int64_t layer, IntegerOf(c[6], "layer"));
    parameters["layer"] = layer;
  }
  r.parameters = parameters.dump();
  return r;
}

Result<LyapunovRow> ElixirLyapunovRow(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 8));
  const auto& c = row.values;
  LyapunovRow out;
  LyapunovRecord& r = out.record;
  PANIC_ASSIGN_OR_RETURN(r.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(r.experiment_id, CanonicalId(c[1], "experiment_id"));
  PANIC_ASSIGN_OR_RETURN(r.embedding_model, TextOf(c[2], "embedding_model", 1024));
  PANIC_ASSIGN_OR_RETURN(r.network, StringsOf(c[3], "network"));
  if (r.network.empty()) return Bad("network", "is an empty list");
  PANIC_ASSIGN_OR_RETURN(r.initial_prompt, TextOf(c[4], "prompt", kMaxTextBytes));
  if (!c[5]) return Bad("lyapunov_data", "is NULL");
  if (c[5]->size() > kMaxBlobBytes) return Bad("lyapunov_data", "larger than the cap");
  auto l = DecodeElixirLyapunov(*c[5]);
  if (!l.ok()) return Bad("lyapunov_data", "does not decode: " + l.status().message());
  PANIC_ASSIGN_OR_RETURN(out.started_at, TimeOr(ElixirTime, c[6], c[7], "started_at"));
  PANIC_ASSIGN_OR_RETURN(r.computed_at, TimeOr(ElixirTime, c[7], c[6], "completed_at"));
  // Our table's checks (num_timesteps ≥ 2, one curve value a step, num_pairs ≥ 1), and
  // num_pairs = m(m−1)/2 for the m runs Elixir compared (models/lyapunov.ex: pdist of all).
  if (l->num_timesteps < 2) return Bad("lyapunov_data", "num_timesteps " + std::to_string(l->num_timesteps) + " is below 2");
  if (static_cast<uint64_t>(l->num_timesteps) != l->divergence_curve.size()) {
    return Bad("lyapunov_data", "divergence_curve has " + std::to_string(l->divergence_curve.size()) +
                                    " values for num_timesteps " + std::to_string(l->num_timesteps));
  }
  if (l->num_pairs < 1 || l->num_pairs > kMaxLyapunovPairs) {
    return Bad("lyapunov_data", "num_pairs " + std::to_string(l->num_pairs) + " is outside 1..2^40");
  }
  // m = (1 + √(1 + 8p)) / 2, checked exactly in integers (8p + 1 < 2^44: no overflow).
  int64_t m = static_cast<int64_t>((1.0 + std::sqrt(1.0 + 8.0 * static_cast<double>(l->num_pairs))) / 2.0);
  while (m * (m - 1) / 2 > l->num_pairs) --m;
  while ((m + 1) * m / 2 <= l->num_pairs) ++m;
  if (m * (m - 1) / 2 != l->num_pairs) {
    return Bad("lyapunov_data", "num_pairs " + std::to_string(l->num_pairs) +
                                    " is not m(m−1)/2 for a whole number m of runs");
  }
  r.num_runs = m;
  r.num_pairs = l->num_pairs;
  r.num_timesteps = l->num_timesteps;
  r.exponent = l->exponent;
  r.r_squared = l->r_squared.value_or(std::numeric_limits<double>::quiet_NaN());
  r.curve = std::move(l->divergence_curve);
  r.intercept = std::numeric_limits<double>::quiet_NaN();
  r.bounded_status = "degenerate";
  r.d_inf = r.d0 = r.tau = r.bounded_r_squared = std::numeric_limits<double>::quiet_NaN();
  r.runs_fingerprint = kElixirLyapunovFingerprint;
  return out;
}

}  // namespace panic::store::legacy
