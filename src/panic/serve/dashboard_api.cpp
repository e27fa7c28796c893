#include "panic/serve/dashboard_api.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <span>

#include "panic/analysis/semantic_drift.h"
#include "panic/engine/experiment_status.h"
#include "panic/engine/experiment_summary.h"
#include "panic/engine/json_shapes.h"
#include "panic/models/registry.h"
#include "panic/serve/api_json.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/clustering_table.h"
#include "panic/store/dashboard_queries.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/image_codec.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"

namespace panic::serve {
namespace {

// Paging of the runs table: a page holds at most this many runs.
constexpr int64_t kMaxRunsPerPage = 500;
// Examples shown per cluster, and clusters shown at most.
constexpr int64_t kClusterExamples = 4;
constexpr int64_t kMaxClusters = 1000;

Reply Json(const nlohmann::json& j) {
  Reply r;
  // error_handler::replace: a stored string that is not UTF-8 shows with U+FFFD, not a 500.
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

std::string Param(const QueryParams& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

Result<nlohmann::json> Experiments(store::Database& db) {
  PANIC_ASSIGN_OR_RETURN(auto experiments, store::experiments::List(db.connection()));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : experiments) {
    PANIC_ASSIGN_OR_RETURN(auto counts, db.Read([&](store::SqliteDb& c) {
      return store::experiments::Count(c, e.id, store::experiments::CountVectors::kWithout);
    }));
    nlohmann::json j = engine::ExperimentToJson(e);
    j["runs_total"] = counts.runs_total;
    j["runs_finished"] = counts.runs_finished;
    j["runs_failed"] = counts.runs_failed;
    j["invocations"] = counts.invocations;
    PANIC_ASSIGN_OR_RETURN(engine::ExperimentStatus status, engine::DescribeExperimentStatus(db, e, counts));
    j["status"] = status.word;
    if (status.writer) {
      j["writer"] = {{"pid", status.writer->pid}, {"host", status.writer->host}, {"started_at", status.writer->started_at}};
    }
    list.push_back(std::move(j));
  }
  return list;
}

Result<nlohmann::json> Experiment(store::Database& db, const std::string& id) {
  PANIC_ASSIGN_OR_RETURN(auto summary, engine::SummarizeExperiment(db, models::ModelRegistry::Default(), id));
  PANIC_ASSIGN_OR_RETURN(engine::ExperimentStatus status, engine::DescribeExperimentStatus(db, summary.experiment, summary.counts));
  // As `experiment show`: the engine's one definition of done decides "completed".
  if (status.word == "completed" && !summary.AllWorkDone()) status.word = "incomplete";
  summary.status = status.word;
  return engine::SummaryToJson(summary);
}

Result<nlohmann::json> RunsPage(store::Database& db, const std::string& id, const QueryParams& params) {
  store::dashboard::RunsPageQuery q;
  q.experiment_id = id;
  const std::string sort = Param(params, "sort");
  PANIC_ASSIGN_OR_RETURN(q.sort, store::dashboard::ParseRunSort(sort.empty() ? "number" : sort));
  const std::string order = Param(params, "order");
  if (!order.empty() && order != "asc" && order != "desc") {
    return Status::InvalidArgument("order: '" + order.substr(0, 16) + "' is not one of: asc, desc");
  }
  q.descending = order == "desc";
  PANIC_ASSIGN_OR_RETURN(int64_t per_page, ParseBoundedInt("per_page", Param(params, "per_page"), 1, kMaxRunsPerPage, 50));
  PANIC_ASSIGN_OR_RETURN(int64_t page, ParseBoundedInt("page", Param(params, "page"), 1, 1'000'000'000, 1));
  q.limit = per_page;
  q.offset = (page - 1) * per_page;
  PANIC_ASSIGN_OR_RETURN(auto result, db.Read([&](store::SqliteDb& c) -> Result<store::dashboard::RunsPage> {
    PANIC_RETURN_IF_ERROR(store::experiments::Get(c, id).status());  // NotFound for an unknown id
    return store::dashboard::ListRunsPage(c, q);
  }));
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& r : result.runs) {
    nlohmann::json j = engine::RunToJson(r.run);
    j["length"] = r.length;
    runs.push_back(std::move(j));
  }
  return nlohmann::json{{"experiment_id", id}, {"total", result.total}, {"page", page}, {"per_page", per_page},
                        {"sort", sort.empty() ? "number" : sort}, {"order", q.descending ? "desc" : "asc"},
                        {"runs", std::move(runs)}};
}

// `run show --json`.
Result<nlohmann::json> Run(store::Database& db, const std::string& id) {
  return db.Read([&](store::SqliteDb& c) -> Result<nlohmann::json> {
    PANIC_ASSIGN_OR_RETURN(auto run, store::runs::Get(c, id));
    PANIC_ASSIGN_OR_RETURN(auto invocations, store::invocations::ListForRun(c, id, /*with_outputs=*/true));
    PANIC_ASSIGN_OR_RETURN(auto embedded, store::embeddings::ModelsByInvocation(c, id));
    PANIC_ASSIGN_OR_RETURN(auto diagram_models, store::diagrams::Models(c, id));
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& inv : invocations) {
      steps.push_back(engine::InvocationStepToJson(inv, embedded.count(inv.id) ? embedded.at(inv.id) : std::vector<std::string>{}));
    }
    nlohmann::json j = engine::RunToJson(run);
    j["length"] = invocations.size();
    // A duplicate stop repeats an earlier output: the last step repeats step − loop_length.
    if (run.stop_reason == store::kStopDuplicate && run.loop_length && !invocations.empty()) {
      j["repeats_step"] = invocations.back().sequence_number - *run.loop_length;
    }
    j["invocations"] = std::move(steps);
    j["diagrams"] = diagram_models;
    return j;
  });
}

// Each embedding model's diagram as `run diagram --json` prints it; a diagram that failed or
// does not decode is {"embedding_model", "error"}, so one bad row does not hide the others.
Result<nlohmann::json> RunDiagrams(store::Database& db, const std::string& id) {
  return db.Read([&](store::SqliteDb& c) -> Result<nlohmann::json> {
    PANIC_RETURN_IF_ERROR(store::runs::Get(c, id).status());
    PANIC_ASSIGN_OR_RETURN(auto models, store::diagrams::Models(c, id));
    nlohmann::json list = nlohmann::json::array();
    for (const auto& model : models) {
      PANIC_ASSIGN_OR_RETURN(auto record, store::diagrams::Get(c, id, model));
      auto decoded = store::DecodeStoredDiagram(record);
      if (!decoded.ok()) {
        list.push_back({{"run_id", id}, {"embedding_model", model}, {"diagram_id", record.id},
                        {"error", decoded.status().message()}});
        continue;
      }
      nlohmann::json j = {{"run_id", id}, {"embedding_model", model}, {"diagram_id", record.id},
                          {"computed_at", record.completed_at}};
      j.update(engine::DiagramJson(decoded->diagram, decoded->entropy));
      // The ε of an approximate diagram (options.approximate / exact_up_to); null: exact.
      const std::optional<double> epsilon =
          record.approximation_epsilon ? record.approximation_epsilon : decoded->approximation_epsilon;
      j["approximation_epsilon"] = epsilon ? nlohmann::json(*epsilon) : nlohmann::json(nullptr);
      list.push_back(std::move(j));
    }
    return nlohmann::json{{"run_id", id}, {"diagrams", std::move(list)}};
  });
}

// Per embedding model of the run's experiment: the drift (analysis/semantic_drift.h) of each
// embedded output from the model's reference, as `analyse drift` measures it: the stored
// embedding of the run's initial prompt (text models, docs/ANALYSIS.md §1), else the run's
// first embedded output (image models, or a prompt embedding not computed yet). Each
// model's reference is named in `references` ("prompt" or "first_output").
Result<nlohmann::json> RunDrift(store::Database& db, const std::string& id) {
  return db.Read([&](store::SqliteDb& c) -> Result<nlohmann::json> {
    PANIC_ASSIGN_OR_RETURN(auto run, store::runs::Get(c, id));
    PANIC_ASSIGN_OR_RETURN(auto experiment, store::experiments::Get(c, run.experiment_id));
    PANIC_ASSIGN_OR_RETURN(auto prompt_vectors, store::prompt_embeddings::List(c, run.experiment_id));
    nlohmann::json models = nlohmann::json::object();
    nlohmann::json references = nlohmann::json::object();
    for (const auto& model : experiment.embedding_models) {
      PANIC_ASSIGN_OR_RETURN(auto vectors, store::embeddings::LoadRunVectors(c, id, model));
      nlohmann::json drift = nlohmann::json::array();
      if (!vectors.empty() && !vectors[0].empty()) {
        const size_t dim = vectors[0].size();
        std::vector<float> flat;
        flat.reserve(vectors.size() * dim);
        for (const auto& v : vectors) {
          if (v.size() != dim) return Status::Corruption("run " + id + ": vectors of " + model + " differ in length");
          flat.insert(flat.end(), v.begin(), v.end());
        }
        std::span<const float> reference = vectors[0];
        references[model] = "first_output";
        for (const auto& p : prompt_vectors) {
          if (p.embedding_model == model && p.initial_prompt == run.initial_prompt && p.vector.size() == dim) {
            reference = p.vector;
            references[model] = "prompt";
          }
        }
        PANIC_ASSIGN_OR_RETURN(auto values, analysis::SemanticDrift(flat, dim, reference));
        for (double d : values) drift.push_back(std::isfinite(d) ? nlohmann::json(d) : nlohmann::json());
      }
      models[model] = std::move(drift);
    }
    return nlohmann::json{{"run_id", id}, {"references", std::move(references)}, {"models", std::move(models)}};
  });
}

Result<nlohmann::json> Clusters(store::Database& db) {
  PANIC_ASSIGN_OR_RETURN(auto results, db.Read([](store::SqliteDb& c) { return store::clustering::List(c); }));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : results) list.push_back(engine::ClusteringResultToJson(r));
  return list;
}

Result<nlohmann::json> Cluster(store::Database& db, const std::string& id, const QueryParams& params) {
  PANIC_ASSIGN_OR_RETURN(int64_t limit, ParseBoundedInt("limit", Param(params, "limit"), 1, kMaxClusters, 20));
  return db.Read([&](store::SqliteDb& c) -> Result<nlohmann::json> {
    PANIC_ASSIGN_OR_RETURN(auto result, store::clustering::Get(c, id));
    PANIC_ASSIGN_OR_RETURN(auto clusters, store::clustering::Clusters(c, id, limit));
    nlohmann::json j = engine::ClusteringResultToJson(result);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& cl : clusters) {
      nlohmann::json entry = ClusterJson(cl, result.point_count.value_or(0));
      PANIC_ASSIGN_OR_RETURN(auto examples, store::dashboard::ClusterExamples(c, id, cl.label, kClusterExamples));
      nlohmann::json ex = nlohmann::json::array();
      for (const auto& e : examples) {
        ex.push_back({{"invocation_id", e.invocation_id}, {"type", e.type},
                      {"output_text", e.type == "text" ? nlohmann::json(e.output_text) : nlohmann::json()},
                      {"input_image_invocation_id", e.input_image_invocation_id ? nlohmann::json(*e.input_image_invocation_id) : nlohmann::json()}});
      }
      entry["examples"] = std::move(ex);
      list.push_back(std::move(entry));
    }
    j["clusters"] = std::move(list);
    return j;
  });
}

// The MIME type of stored image bytes by their signature.
std::string ImageType(const std::string& b) {
  if (b.size() >= 12 && b.compare(0, 4, "RIFF") == 0 && b.compare(8, 4, "WEBP") == 0) return "image/webp";
  if (b.size() >= 3 && static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xD8) return "image/jpeg";
  if (b.size() >= 12 && b.compare(4, 4, "ftyp") == 0) return "image/avif";
  if (b.size() >= 8 && b.compare(1, 3, "PNG") == 0) return "image/png";
  return "application/octet-stream";
}

Reply Image(store::Database& db, const std::string& id, const std::string& if_none_match) {
  // An invocation's output never changes once written: its id is its version.
  const std::string etag = "\"" + id + "\"";
  auto image = store::dashboard::InvocationImage(db.connection(), id);
  if (!image.ok()) return StatusReply(image.status());
  auto decoded = store::DecodeImage(image->bytes);
  Reply r;
  if (!decoded.ok()) {
    r.content_type = "image/svg+xml";
    r.body = kPlaceholderSvg;
    r.headers = {{"Cache-Control", "no-store"}, {"X-Panic-Placeholder", "the stored image does not decode"}};
    return r;
  }
  r.headers = {{"ETag", etag}, {"Cache-Control", "public, max-age=31536000, immutable"}};
  if (!if_none_match.empty() && if_none_match == etag) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = ImageType(image->bytes);
  r.body = std::move(image->bytes);
  return r;
}

}  // namespace

const char* const kPlaceholderSvg =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"256\" height=\"256\" viewBox=\"0 0 256 256\">"
    "<rect width=\"256\" height=\"256\" fill=\"#eee\" stroke=\"#c33\" stroke-width=\"4\"/>"
    "<path d=\"M40 40L216 216M216 40L40 216\" stroke=\"#c33\" stroke-width=\"4\"/>"
    "<text x=\"128\" y=\"136\" font-family=\"sans-serif\" font-size=\"18\" text-anchor=\"middle\" fill=\"#333\">"
    "image unreadable</text></svg>";

Reply ErrorReply(int status, const std::string& message) {
  Reply r = Json({{"error", message}, {"status", status}});
  r.status = status;
  return r;
}

Reply StatusReply(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument: return ErrorReply(400, status.message());
    case StatusCode::kNotFound: return ErrorReply(404, status.message());
    default: return ErrorReply(500, status.message());
  }
}

Reply AnswerApi(store::Database& db, const Route& route, const QueryParams& params, const std::string& if_none_match) {
  Result<nlohmann::json> j = Status::Internal("no answer");
  switch (route.kind) {
    case RouteKind::kExperiments: j = Experiments(db); break;
    case RouteKind::kExperiment: j = Experiment(db, route.id); break;
    case RouteKind::kExperimentRuns: j = RunsPage(db, route.id, params); break;
    case RouteKind::kRun: j = Run(db, route.id); break;
    case RouteKind::kRunDiagrams: j = RunDiagrams(db, route.id); break;
    case RouteKind::kRunDrift: j = RunDrift(db, route.id); break;
    case RouteKind::kClusters: j = Clusters(db); break;
    case RouteKind::kCluster: j = Cluster(db, route.id, params); break;
    case RouteKind::kImage: return Image(db, route.id, if_none_match);
    case RouteKind::kPage:
    case RouteKind::kAsset: return ErrorReply(500, "not an API route");
  }
  return j.ok() ? Json(*j) : StatusReply(j.status());
}

}  // namespace panic::serve
