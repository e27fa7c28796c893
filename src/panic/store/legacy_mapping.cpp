#include "panic/store/legacy_mapping.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "panic/core/json_limits.h"
#include "panic/core/uuid.h"
#include "panic/store/avif_codec.h"
#include "panic/store/etf_codec.h"
#include "panic/store/image_codec.h"
#include "panic/store/npz_codec.h"

namespace panic::store::legacy {
namespace {

// Nesting beyond this is never one of the config lists (at most a list of lists).
constexpr size_t kMaxJsonDepth = 4;
// The timestamp of a row whose source had none (the column was NULL): the epoch, which no
// real run has, so it reads as "unknown".
constexpr const char* kUnknownTime = "1970-01-01T00:00:00.000000Z";

Status Bad(const char* column, const std::string& why) {
  return Status::InvalidArgument(std::string("column ") + column + ": " + why);
}

std::string Excerpt(std::string_view s) {
  std::string out(s.substr(0, 40));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) c = '?';
  }
  return "'" + out + (s.size() > 40 ? "…'" : "'");
}

bool Digits(std::string_view s, size_t from, size_t n) {
  if (from + n > s.size()) return false;
  for (size_t i = from; i < from + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int Num(std::string_view s, size_t from, size_t n) {
  int v = 0;
  for (size_t i = from; i < from + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

// "YYYY-MM-DD?HH:MM:SS[.f…]" followed by `suffix` (empty or "Z"), `sep` being ' ' or 'T'.
Result<std::string> IsoTime(std::string_view t, const char* column, bool want_z) {
  if (t.size() > 40) return Bad(column, "timestamp " + Excerpt(t) + " is too long");
  std::string_view body = t;
  if (want_z) {
    if (body.empty() || body.back() != 'Z') return Bad(column, "timestamp " + Excerpt(t) + " lacks its 'Z'");
    body.remove_suffix(1);
  }
  const bool shape = body.size() >= 19 && Digits(body, 0, 4) && body[4] == '-' && Digits(body, 5, 2) &&
                     body[7] == '-' && Digits(body, 8, 2) && (body[10] == ' ' || body[10] == 'T') &&
                     Digits(body, 11, 2) && body[13] == ':' && Digits(body, 14, 2) && body[16] == ':' &&
                     Digits(body, 17, 2);
  if (!shape) return Bad(column, "timestamp " + Excerpt(t) + " is not YYYY-MM-DD HH:MM:SS[.ffffff]");
  const int month = Num(body, 5, 2), day = Num(body, 8, 2), hour = Num(body, 11, 2), minute = Num(body, 14, 2),
            second = Num(body, 17, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return Bad(column, "timestamp " + Excerpt(t) + " has a field out of range");
  }
  std::string fraction;
  if (body.size() > 19) {
    const size_t digits = body.size() - 20;
    if (body[19] != '.' || digits < 1 || digits > 9 || !Digits(body, 20, digits)) {
      return Bad(column, "timestamp " + Excerpt(t) + " has a malformed fraction of a second");
    }
    fraction = std::string(body.substr(20, std::min<size_t>(digits, 6)));
  }
  fraction.resize(6, '0');
  std::string out(body.substr(0, 19));
  out[10] = 'T';
  return out + "." + fraction + "Z";
}

Result<std::string> TextOf(const Value& v, const char* column, size_t cap) {
  if (!v) return Bad(column, "is NULL");
  if (v->size() > cap) return Bad(column, std::to_string(v->size()) + " bytes exceed the cap of " + std::to_string(cap));
  return *v;
}

Result<nlohmann::json> JsonOf(const Value& v, const char* column) {
  PANIC_ASSIGN_OR_RETURN(std::string text, TextOf(v, column, kMaxJsonBytes));
  if (JsonNestingDepth(text, kMaxJsonDepth) > kMaxJsonDepth) return Bad(column, "JSON nested too deeply");
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad(column, "is not JSON: " + Excerpt(text));
  if (!j.is_array()) return Bad(column, "is not a JSON list: " + Excerpt(text));
  return j;
}

// A timestamp column that may be NULL: the fallback's value then (itself possibly NULL).
Result<std::string> PythonTimeOr(const Value& v, const Value& fallback, const char* column) {
  if (v) return PythonTime(*v, column);
  if (fallback) return PythonTime(*fallback, column);
  return std::string(kUnknownTime);
}

Result<std::optional<std::string>> OptPythonTime(const Value& v, const char* column) {
  if (!v) return std::optional<std::string>();
  PANIC_ASSIGN_OR_RETURN(std::string t, PythonTime(*v, column));
  return std::optional<std::string>(std::move(t));
}

Status Columns(const SourceRow& row, size_t n) {
  if (row.values.size() != n) {
    return Status::Internal("legacy row mapping: " + std::to_string(row.values.size()) + " values, expected " +
                            std::to_string(n));
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> CanonicalId(const Value& v, const char* column) {
  if (!v) return Bad(column, "is NULL");
  const std::string& s = *v;
  std::string hyphenated;
  if (s.size() == 32) {
    hyphenated = s.substr(0, 8) + "-" + s.substr(8, 4) + "-" + s.substr(12, 4) + "-" + s.substr(16, 4) + "-" +
                 s.substr(20, 12);
  } else if (s.size() == 36) {
    hyphenated = s;
  } else {
    return Bad(column, "id " + Excerpt(s) + " is neither 32 hex digits nor a hyphenated UUID");
  }
  auto parsed = ParseUuid(hyphenated);
  if (!parsed.ok()) return Bad(column, "id " + Excerpt(s) + " is not a UUID");
  return FormatUuid(*parsed);
}

Result<std::string> PythonTime(std::string_view text, const char* column) { return IsoTime(text, column, false); }
Result<std::string> ElixirTime(std::string_view text, const char* column) { return IsoTime(text, column, true); }

Result<OutputType> OutputTypeOf(const Value& v, const char* column) {
  if (v && (*v == "TEXT" || *v == "text")) return OutputType::kText;
  if (v && (*v == "IMAGE" || *v == "image")) return OutputType::kImage;
  return Bad(column, v ? "type " + Excerpt(*v) + " is not TEXT or IMAGE" : std::string("is NULL"));
}

Result<int64_t> IntegerOf(const Value& v, const char* column) {
  if (!v) return Bad(column, "is NULL");
  const std::string& s = *v;
  size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  if (i == s.size() || s.size() > 19 + i) return Bad(column, "is not an integer: " + Excerpt(s));
  int64_t value = 0;
  for (size_t k = i; k < s.size(); ++k) {
    if (s[k] < '0' || s[k] > '9') return Bad(column, "is not an integer: " + Excerpt(s));
    const int64_t digit = s[k] - '0';
    if (value > (INT64_MAX - digit) / 10) return Bad(column, "integer out of range: " + Excerpt(s));
    value = value * 10 + digit;
  }
  return i ? -value : value;
}

Result<std::vector<std::vector<std::string>>> StringListsOf(const Value& v, const char* column) {
  PANIC_ASSIGN_OR_RETURN(nlohmann::json j, JsonOf(v, column));
  std::vector<std::vector<std::string>> out;
  for (const auto& inner : j) {
    if (!inner.is_array()) return Bad(column, "an element is not a list of strings");
    std::vector<std::string> names;
    for (const auto& s : inner) {
      if (!s.is_string()) return Bad(column, "an element is not a list of strings");
      names.push_back(s.get<std::string>());
    }
    out.push_back(std::move(names));
  }
  return out;
}

Result<std::vector<std::string>> StringsOf(const Value& v, const char* column) {
  PANIC_ASSIGN_OR_RETURN(nlohmann::json j, JsonOf(v, column));
  std::vector<std::string> out;
  for (const auto& s : j) {
    if (!s.is_string()) return Bad(column, "an element is not a string");
    out.push_back(s.get<std::string>());
  }
  return out;
}

Result<std::vector<int64_t>> IntegersOf(const Value& v, const char* column) {
  PANIC_ASSIGN_OR_RETURN(nlohmann::json j, JsonOf(v, column));
  std::vector<int64_t> out;
  for (const auto& s : j) {
    if (!s.is_number_integer()) return Bad(column, "an element is not an integer");
    out.push_back(s.get<int64_t>());
  }
  return out;
}

Result<std::string> VectorBytes(const Value& v) {
  if (!v) return Status::NotFound("NULL vector");
  if (v->empty() || v->size() % 4 != 0 || v->size() > kMaxVectorBytes) {
    return Bad("vector", std::to_string(v->size()) + " bytes is not a non-empty float32 vector within the cap");
  }
  return *v;
}

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
  PANIC_ASSIGN_OR_RETURN(e.started_at, OptPythonTime(c[6], "started_at"));
  PANIC_ASSIGN_OR_RETURN(e.completed_at, OptPythonTime(c[7], "completed_at"));
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
  PANIC_ASSIGN_OR_RETURN(i.started_at, PythonTimeOr(c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(i.completed_at, PythonTimeOr(c[2], c[1], "completed_at"));
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
  PANIC_ASSIGN_OR_RETURN(e.started_at, PythonTimeOr(c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(e.completed_at, PythonTimeOr(c[2], c[1], "completed_at"));
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
  PANIC_ASSIGN_OR_RETURN(d.started_at, PythonTimeOr(c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(d.completed_at, PythonTimeOr(c[2], c[1], "completed_at"));
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
  PANIC_ASSIGN_OR_RETURN(r.started_at, PythonTimeOr(c[2], c[1], "started_at"));
  PANIC_ASSIGN_OR_RETURN(r.completed_at, OptPythonTime(c[3], "completed_at"));
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

namespace {

Result<std::string> ElixirTimeOr(const Value& v, const Value& fallback, const char* column) {
  if (v) return ElixirTime(*v, column);
  if (fallback) return ElixirTime(*fallback, column);
  return std::string(kUnknownTime);
}

Result<std::optional<std::string>> OptElixirTime(const Value& v, const char* column) {
  if (!v) return std::optional<std::string>();
  PANIC_ASSIGN_OR_RETURN(std::string t, ElixirTime(*v, column));
  return std::optional<std::string>(std::move(t));
}

}  // namespace

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
  PANIC_ASSIGN_OR_RETURN(e.started_at, OptElixirTime(c[6], "started_at"));
  PANIC_ASSIGN_OR_RETURN(e.completed_at, OptElixirTime(c[7], "completed_at"));
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
  PANIC_ASSIGN_OR_RETURN(i.started_at, ElixirTimeOr(c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(i.completed_at, ElixirTimeOr(c[2], c[1], "completed_at"));
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
  PANIC_ASSIGN_OR_RETURN(e.started_at, ElixirTimeOr(c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(e.completed_at, ElixirTimeOr(c[2], c[1], "completed_at"));
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
  PANIC_ASSIGN_OR_RETURN(d.started_at, ElixirTimeOr(c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(d.completed_at, ElixirTimeOr(c[2], c[1], "completed_at"));
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
  PANIC_ASSIGN_OR_RETURN(r.started_at, ElixirTimeOr(c[1], c[2], "started_at"));
  PANIC_ASSIGN_OR_RETURN(r.completed_at, OptElixirTime(c[2], "completed_at"));
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
  PANIC_ASSIGN_OR_RETURN(out.started_at, ElixirTimeOr(c[6], c[7], "started_at"));
  PANIC_ASSIGN_OR_RETURN(r.computed_at, ElixirTimeOr(c[7], c[6], "completed_at"));
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
