// The rows of a Python-era panic-tda database (SQLModel: experimentconfig, run, invocation,
// embedding, persistencediagram, clusteringresult, embeddingcluster) mapped to ours —
// legacy_mapping.h.
#include <limits>
#include <nlohmann/json.hpp>

#include "panic/core/json_limits.h"
#include "panic/store/image_codec.h"
#include "panic/store/legacy_mapping.h"
#include "panic/store/legacy_mapping_internal.h"
#include "panic/store/npz_codec.h"

namespace panic::store::legacy {

using namespace internal;

Result<std::string> PythonDiagram(const Value& v) {
  if (!v) return Status::NotFound("NULL diagram_data (the computation failed)");
  if (v->size() > kMaxBlobBytes) return Bad("diagram_data", "larger than the cap");
  auto decoded = DecodeDiagramNpz(*v);
  if (!decoded.ok()) return Status::Corruption("diagram_data does not decode: " + decoded.status().message());
  return EncodeDiagramNpz(decoded->diagram, decoded->entropy);
}

Result<ExperimentRecord> PythonExperiment(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 8));
  const auto& c = row.values;
  ExperimentRecord e;
  PANIC_ASSIGN_OR_RETURN(e.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(e.networks, StringListsOf(c[1], "networks"));
  PANIC_ASSIGN_OR_RETURN(e.seeds, IntegersOf(c[2], "seeds"));
  PANIC_ASSIGN_OR_RETURN(e.prompts, StringsOf(c[3], "prompts"));
  PANIC_ASSIGN_OR_RETURN(e.embedding_models, StringsOf(c[4], "embedding_models"));
  PANIC_ASSIGN_OR_RETURN(e.max_length, IntegerOf(c[5], "max_length"));
  if (e.max_length <= 0) return Bad("max_length", std::to_string(e.max_length) + " is not positive");
  PANIC_ASSIGN_OR_RETURN(e.started_at, OptTime(PythonTime, c[6], "started_at"));
  PANIC_ASSIGN_OR_RETURN(e.completed_at, OptTime(PythonTime, c[7], "completed_at"));
  e.created_at = e.started_at.value_or(kUnknownTime);
  e.updated_at = e.completed_at.value_or(e.created_at);
  return e;
}

Result<RunRecord> PythonRun(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 6));
  const auto& c = row.values;
  RunRecord r;
  PANIC_ASSIGN_OR_RETURN(r.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(r.network, StringsOf(c[1], "network"));
  PANIC_ASSIGN_OR_RETURN(r.seed, IntegerOf(c[2], "seed"));
  PANIC_ASSIGN_OR_RETURN(r.max_length, IntegerOf(c[3], "max_length"));
  if (r.max_length <= 0) return Bad("max_length", std::to_string(r.max_length) + " is not positive");
  PANIC_ASSIGN_OR_RETURN(r.initial_prompt, TextOf(c[4], "initial_prompt", kMaxTextBytes));
  PANIC_ASSIGN_OR_RETURN(r.experiment_id, CanonicalId(c[5], "experiment_id"));
  return r;
}

Result<InvocationRow> PythonInvocation(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 11));
  const auto& c = row.values;
  InvocationRow out;
  InvocationRecord& i = out.record;
  PANIC_ASSIGN_OR_RETURN(i.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(i.started_at, TimeOr(PythonTime, c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(i.completed_at, TimeOr(PythonTime, c[2], c[1], "completed_at"));
  PANIC_ASSIGN_OR_RETURN(i.model, TextOf(c[3], "model", 1024));
  PANIC_ASSIGN_OR_RETURN(i.type, OutputTypeOf(c[4], "type"));
  PANIC_ASSIGN_OR_RETURN(i.seed, IntegerOf(c[5], "seed"));
  PANIC_ASSIGN_OR_RETURN(i.run_id, CanonicalId(c[6], "run_id"));
  PANIC_ASSIGN_OR_RETURN(i.sequence_number, IntegerOf(c[7], "sequence_number"));
  if (i.sequence_number < 0) return Bad("sequence_number", std::to_string(i.sequence_number) + " is negative");
  if (c[8]) {
    PANIC_ASSIGN_OR_RETURN(i.input_invocation_id, CanonicalId(c[8], "input_invocation_id"));
  }
  const Value& output = i.type == OutputType::kText ? c[9] : c[10];
  out.output_missing = !output.has_value();
  if (output && i.type == OutputType::kText) {
    PANIC_ASSIGN_OR_RETURN(i.output_text, TextOf(output, "output_text", kMaxTextBytes));
  } else if (output) {
    PANIC_ASSIGN_OR_RETURN(i.output_image, TextOf(output, "output_image_data", kMaxBlobBytes));
  }
  return out;
}

Result<EmbeddingRow> PythonEmbedding(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 6));
  const auto& c = row.values;
  EmbeddingRow e;
  PANIC_ASSIGN_OR_RETURN(e.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(e.started_at, TimeOr(PythonTime, c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(e.completed_at, TimeOr(PythonTime, c[2], c[1], "completed_at"));
  PANIC_ASSIGN_OR_RETURN(e.invocation_id, CanonicalId(c[3], "invocation_id"));
  PANIC_ASSIGN_OR_RETURN(e.embedding_model, TextOf(c[4], "embedding_model", 1024));
  PANIC_ASSIGN_OR_RETURN(e.vector, VectorBytes(c[5]));
  return e;
}

Result<PersistenceDiagramRecord> PythonDiagramRow(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 6));
  const auto& c = row.values;
  PersistenceDiagramRecord d;
  PANIC_ASSIGN_OR_RETURN(d.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(d.started_at, TimeOr(PythonTime, c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(d.completed_at, TimeOr(PythonTime, c[2], c[1], "completed_at"));
  PANIC_ASSIGN_OR_RETURN(d.run_id, CanonicalId(c[4], "run_id"));
  PANIC_ASSIGN_OR_RETURN(d.embedding_model, TextOf(c[5], "embedding_model", 1024));
  auto data = PythonDiagram(c[3]);
  if (data.ok()) {
    d.diagram_data = std::move(*data);
  } else if (data.status().code() == StatusCode::kNotFound) {
    // A failed computation is kept as one: our failed-diagram row, which resume retries.
    d.error = "failed in the Python era (NULL diagram_data)";
  } else {
    return data.status();
  }
  return d;
}

Result<ClusteringRow> PythonClustering(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 7));
  const auto& c = row.values;
  ClusteringRow r;
  PANIC_ASSIGN_OR_RETURN(r.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(r.started_at, TimeOr(PythonTime, c[2], c[1], "started_at"));
  PANIC_ASSIGN_OR_RETURN(r.completed_at, OptTime(PythonTime, c[3], "completed_at"));
  PANIC_ASSIGN_OR_RETURN(r.embedding_model, TextOf(c[4], "embedding_model", 1024));
  PANIC_ASSIGN_OR_RETURN(r.algorithm, TextOf(c[5], "algorithm", 1024));
  r.parameters = c[6].value_or("{}");
  if (r.parameters.size() > kMaxJsonBytes || JsonNestingDepth(r.parameters, kMaxJsonDepth) > kMaxJsonDepth ||
      !nlohmann::json::parse(r.parameters, nullptr, false).is_object()) {
    return Bad("parameters", "is not a JSON object: " + Excerpt(r.parameters));
  }
  return r;
}

Result<AssignmentRow> PythonAssignment(const SourceRow& row) {
  PANIC_RETURN_IF_ERROR(Columns(row, 4));
  const auto& c = row.values;
  AssignmentRow a;
  PANIC_ASSIGN_OR_RETURN(a.id, CanonicalId(c[0], "id"));
  PANIC_ASSIGN_OR_RETURN(a.embedding_id, CanonicalId(c[1], "embedding_id"));
  PANIC_ASSIGN_OR_RETURN(a.clustering_result_id, CanonicalId(c[2], "clustering_result_id"));
  if (c[3]) {
    PANIC_ASSIGN_OR_RETURN(a.medoid_embedding_id, CanonicalId(c[3], "medoid_embedding_id"));
  }
  return a;
}

}  // namespace panic::store::legacy
