#include "panic/store/analysis_tables.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "panic/store/clustering_table.h"
#include "panic/store/sqlite_db.h"
#include "panic/store/vector_codec.h"

namespace panic::store {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A double column: NULL stands for NaN (SQLite has no NaN: it stores NaN as NULL anyway).
void BindReal(Statement& q, int i, double v) {
  if (std::isnan(v)) q.BindNull(i); else q.Bind(i, v);
}
double ReadReal(const Statement& row, int col) { return row.IsNull(col) ? kNaN : row.Double(col); }

// The curve as raw little-endian float64 (numpy.frombuffer(blob, "<f8")). The build
// targets little-endian machines only (as vector_codec.h).
std::string EncodeCurve(const std::vector<double>& curve) {
  std::string out(curve.size() * sizeof(double), '\0');
  if (!curve.empty()) std::memcpy(out.data(), curve.data(), out.size());
  return out;
}
Result<std::vector<double>> DecodeCurve(const std::string& bytes, int64_t expected) {
  if (bytes.size() % sizeof(double) != 0 || static_cast<int64_t>(bytes.size() / sizeof(double)) != expected) {
    return Status::Corruption("curve of " + std::to_string(bytes.size()) + " bytes, expected " +
                              std::to_string(expected) + " float64 values");
  }
  std::vector<double> out(bytes.size() / sizeof(double));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

Result<std::vector<std::string>> ParseNetwork(const std::string& json, const std::string& where) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return Status::Corruption(where + ": network is not a JSON list");
  std::vector<std::string> out;
  for (const auto& m : j) {
    if (!m.is_string()) return Status::Corruption(where + ": network holds a non-string");
    out.push_back(m.get<std::string>());
  }
  return out;
}

}  // namespace

namespace prompt_embeddings {

Status Insert(SqliteDb& db, const std::vector<PromptEmbeddingRecord>& records) {
  PANIC_ASSIGN_OR_RETURN(Statement * ins, db.Prepare(
      "INSERT INTO prompt_embeddings (id, experiment_id, initial_prompt, embedding_model, vector, started_at, "
      "completed_at) VALUES (?,?,?,?,?,?,?)"));
  for (const auto& r : records) {
    ins->Bind(1, r.id).Bind(2, r.experiment_id).Bind(3, r.initial_prompt).Bind(4, r.embedding_model);
    ins->BindBlob(5, EncodeVector(r.vector)).Bind(6, r.started_at).Bind(7, r.completed_at);
    Status s = ins->Run();
    if (!s.ok()) return s.WithContext("prompt embedding of '" + r.initial_prompt + "' under " + r.embedding_model);
  }
  return Status::Ok();
}

Result<std::vector<PromptEmbeddingRecord>> List(SqliteDb& db, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT id, initial_prompt, embedding_model, vector, started_at, completed_at FROM prompt_embeddings "
      "WHERE experiment_id = ? ORDER BY embedding_model, initial_prompt"));
  q->Bind(1, experiment_id);
  std::vector<PromptEmbeddingRecord> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    auto v = DecodeVector(row.Blob(3));
    if (!v.ok()) {
      return Status::Corruption("prompt_embeddings row " + row.Text(0) + ": damaged vector: " + v.status().message());
    }
    out.push_back({row.Text(0), experiment_id, row.Text(1), row.Text(2), std::move(v).value(), row.Text(4),
                   row.Text(5)});
    return Status::Ok();
  }));
  return out;
}

}  // namespace prompt_embeddings

namespace lyapunov {

Status Put(SqliteDb& db, const LyapunovRecord& r) {
  if (static_cast<int64_t>(r.curve.size()) != r.num_timesteps) {
    return Status::InvalidArgument("lyapunov result: curve of " + std::to_string(r.curve.size()) +
                                   " values for num_timesteps " + std::to_string(r.num_timesteps));
  }
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "INSERT OR REPLACE INTO lyapunov_results (id, experiment_id, network, initial_prompt, other_prompt, "
      "embedding_model, num_runs, num_pairs, num_timesteps, exponent, intercept, r_squared, bounded_status, d_inf, "
      "d0, tau, bounded_r_squared, curve, runs_fingerprint, computed_at) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  q->Bind(1, r.id).Bind(2, r.experiment_id).Bind(3, nlohmann::json(r.network).dump());
  q->Bind(4, r.initial_prompt).Bind(5, r.other_prompt).Bind(6, r.embedding_model);
  q->Bind(7, r.num_runs).Bind(8, r.num_pairs).Bind(9, r.num_timesteps);
  BindReal(*q, 10, r.exponent);
  BindReal(*q, 11, r.intercept);
  BindReal(*q, 12, r.r_squared);
  q->Bind(13, r.bounded_status);
  BindReal(*q, 14, r.d_inf);
  BindReal(*q, 15, r.d0);
  BindReal(*q, 16, r.tau);
  BindReal(*q, 17, r.bounded_r_squared);
  q->BindBlob(18, EncodeCurve(r.curve)).Bind(19, r.runs_fingerprint).Bind(20, r.computed_at);
  Status s = q->Run();
  if (!s.ok()) return s.WithContext("lyapunov result of '" + r.initial_prompt + "' under " + r.embedding_model);
  return Status::Ok();
}

Result<std::vector<LyapunovRecord>> List(SqliteDb& db, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT id, network, initial_prompt, other_prompt, embedding_model, num_runs, num_pairs, num_timesteps, "
      "exponent, intercept, r_squared, bounded_status, d_inf, d0, tau, bounded_r_squared, curve, runs_fingerprint, "
      "computed_at FROM lyapunov_results WHERE experiment_id = ? "
      "ORDER BY embedding_model, network, initial_prompt, other_prompt"));
  q->Bind(1, experiment_id);
  std::vector<LyapunovRecord> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    const std::string where = "lyapunov_results row " + row.Text(0);
    LyapunovRecord r;
    r.id = row.Text(0);
    r.experiment_id = experiment_id;
    PANIC_ASSIGN_OR_RETURN(r.network, ParseNetwork(row.Text(1), where));
    r.initial_prompt = row.Text(2);
    r.other_prompt = row.Text(3);
    r.embedding_model = row.Text(4);
    r.num_runs = row.Int(5);
    r.num_pairs = row.Int(6);
    r.num_timesteps = row.Int(7);
    r.exponent = ReadReal(row, 8);
    r.intercept = ReadReal(row, 9);
    r.r_squared = ReadReal(row, 10);
    r.bounded_status = row.Text(11);
    r.d_inf = ReadReal(row, 12);
    r.d0 = ReadReal(row, 13);
    r.tau = ReadReal(row, 14);
    r.bounded_r_squared = ReadReal(row, 15);
    auto curve = DecodeCurve(row.Blob(16), r.num_timesteps);
    if (!curve.ok()) return curve.status().WithContext(where);
    r.curve = std::move(curve).value();
    r.runs_fingerprint = row.Text(17);
    r.computed_at = row.Text(18);
    out.push_back(std::move(r));
    return Status::Ok();
  }));
  return out;
}

}  // namespace lyapunov

namespace analysis_reads {

Result<std::vector<std::string>> EmbeddingModelNames(SqliteDb& db, const std::optional<std::string>& model) {
  std::vector<std::string> models;
  if (model) {
    models.push_back(*model);
    return models;
  }
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "WITH RECURSIVE m(x) AS (SELECT min(embedding_model) FROM embeddings UNION ALL "
      "SELECT (SELECT min(embedding_model) FROM embeddings WHERE embedding_model > x) FROM m WHERE x IS NOT NULL) "
      "SELECT x FROM m WHERE x IS NOT NULL"));
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    models.push_back(row.Text(0));
    return Status::Ok();
  }));
  return models;
}

// One statement per (run, model), each walking the (run_id, sequence_number) index of
// invocations and the (invocation_id, embedding_model) index of embeddings: rows come out
// in the wanted order without a sort. (A single ORDER BY over the experiment made SQLite
// sort every vector through a temporary B-tree, spilled to temporary files: at 1M × 768-d
// that was gigabytes written and read back.) The vector is decoded from the blob in place,
// into a buffer reused from row to row.
Status ForEachEmbedding(SqliteDb& db, const std::string& experiment_id, const std::optional<std::string>& model,
                        const std::function<Status(const TrajectoryPoint&)>& fn) {
  std::vector<std::string> run_ids;
  {
    PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT id FROM runs WHERE experiment_id = ? ORDER BY run_number"));
    q->Bind(1, experiment_id);
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
      run_ids.push_back(row.Text(0));
      return Status::Ok();
    }));
  }
  PANIC_ASSIGN_OR_RETURN(std::vector<std::string> models, EmbeddingModelNames(db, model));
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT i.id, e.id, i.sequence_number, e.vector, i.type "
      "FROM invocations i JOIN embeddings e ON e.invocation_id = i.id AND e.embedding_model = ?2 "
      "WHERE i.run_id = ?1 ORDER BY i.sequence_number"));
  TrajectoryPoint p;
  for (const auto& run_id : run_ids) {
    for (const auto& m : models) {
      q->Bind(1, run_id).Bind(2, m);
      p.run_id = run_id;
      p.embedding_model = m;
      PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
        if (Status decoded = DecodeVectorInto(row.View(3), p.vector); !decoded.ok()) {
          return Status::Corruption("embeddings row " + row.Text(1) + ": damaged vector: " + decoded.message());
        }
        p.invocation_id = row.View(0);
        p.embedding_id = row.View(1);
        p.sequence_number = row.Int(2);
        p.type = row.View(4) == "image" ? OutputType::kImage : OutputType::kText;
        return fn(p);
      }));
    }
  }
  return Status::Ok();
}

Result<std::map<std::string, int64_t>> EmbeddingCountsByRun(SqliteDb& db, const std::string& experiment_id,
                                                            const std::string& model) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT r.id, count(*) FROM runs r JOIN invocations i ON i.run_id = r.id "
      "JOIN embeddings e ON e.invocation_id = i.id AND e.embedding_model = ?2 "
      "WHERE r.experiment_id = ?1 GROUP BY r.id"));
  q->Bind(1, experiment_id).Bind(2, model);
  std::map<std::string, int64_t> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out[row.Text(0)] = row.Int(1);
    return Status::Ok();
  }));
  return out;
}

Status ForEachInvocation(SqliteDb& db, const std::string& experiment_id,
                         const std::function<Status(const InvocationRecord&)>& fn) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT i.id, i.run_id, i.sequence_number, i.model, i.type, i.seed, i.input_invocation_id, i.output_text, "
      "i.started_at, i.completed_at, i.batch_size, i.batch_position "
      "FROM runs r JOIN invocations i ON i.run_id = r.id WHERE r.experiment_id = ? "
      "ORDER BY r.run_number, i.sequence_number"));
  q->Bind(1, experiment_id);
  InvocationRecord inv;
  return q->ForEachRow([&](const Statement& row) -> Status {
    inv.id = row.Text(0);
    inv.run_id = row.Text(1);
    inv.sequence_number = row.Int(2);
    inv.model = row.Text(3);
    inv.type = row.Text(4) == "image" ? OutputType::kImage : OutputType::kText;
    inv.seed = row.Int(5);
    inv.input_invocation_id = row.OptText(6);
    inv.output_text = row.Text(7);
    inv.started_at = row.Text(8);
    inv.completed_at = row.Text(9);
    inv.batch_size = row.OptInt(10);
    inv.batch_position = row.OptInt(11);
    return fn(inv);
  });
}

Result<std::map<std::string, OutputType>> ModelOutputTypes(SqliteDb& db, const std::string& experiment_id) {
  // Invocation k of a run is made by model k mod n of its n-model network, so a run's first
  // n invocations name every model it ever invoked. Runs are read (by the (run_id,
  // sequence_number) index, n rows each) only while their network still has a model not
  // seen: a few runs in practice, instead of a scan of every invocation (1M rows: seconds).
  PANIC_ASSIGN_OR_RETURN(Statement * runs, db.Prepare("SELECT id, network FROM runs WHERE experiment_id = ? ORDER BY run_number"));
  runs->Bind(1, experiment_id);
  std::vector<std::pair<std::string, std::vector<std::string>>> todo;  // (run id, network)
  PANIC_RETURN_IF_ERROR(runs->ForEachRow([&](const Statement& row) -> Status {
    auto network = nlohmann::json::parse(row.View(1), nullptr, /*allow_exceptions=*/false);
    std::vector<std::string> models;
    if (network.is_array()) {
      for (const auto& m : network) {
        if (m.is_string()) models.push_back(m.get<std::string>());
      }
    }
    todo.emplace_back(row.Text(0), std::move(models));
    return Status::Ok();
  }));
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT model, type FROM invocations WHERE run_id = ?1 AND sequence_number < ?2"));
  std::map<std::string, OutputType> out;
  for (const auto& [run_id, network] : todo) {
    // A network that is not a list of names (damaged) gets its run read in full.
    bool missing = network.empty();
    for (const auto& m : network) missing = missing || !out.count(m);
    if (!missing) continue;
    q->Bind(1, run_id).Bind(2, network.empty() ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(network.size()));
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
      out[row.Text(0)] = row.Text(1) == "image" ? OutputType::kImage : OutputType::kText;
      return Status::Ok();
    }));
  }
  return out;
}

Result<ClusteringInfo> GetClustering(SqliteDb& db, const std::string& id_or_prefix) {
  PANIC_ASSIGN_OR_RETURN(const std::string id, clustering::ResolveId(db, id_or_prefix));
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT id, experiment_id, embedding_model, algorithm, parameters, completed_at FROM clustering_results "
      "WHERE id = ?"));
  q->Bind(1, id);
  PANIC_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) return Status::NotFound("no clustering result with id '" + id + "'");
  ClusteringInfo c{q->Text(0), q->OptText(1), q->Text(2), q->Text(3), q->Text(4), q->OptText(5)};
  q->Reset();
  return c;
}

Result<std::vector<std::string>> ClusteringsOf(SqliteDb& db, const std::vector<std::string>& experiment_ids) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT cr.id FROM clustering_results cr WHERE cr.completed_at IS NOT NULL AND (cr.experiment_id = ?1 OR "
      "(cr.experiment_id IS NULL AND EXISTS ("
      "SELECT 1 FROM embedding_clusters c JOIN embeddings e ON e.id = c.embedding_id "
      "JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id "
      "WHERE c.clustering_result_id = cr.id AND r.experiment_id = ?1))) ORDER BY cr.started_at, cr.id"));
  std::vector<std::string> out;
  for (const auto& exp : experiment_ids) {
    q->Bind(1, exp);
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
      if (std::find(out.begin(), out.end(), row.Text(0)) == out.end()) out.push_back(row.Text(0));
      return Status::Ok();
    }));
  }
  return out;
}

Result<std::vector<LabelPoint>> ListLabels(SqliteDb& db, const std::string& clustering_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT r.id, r.experiment_id, i.sequence_number, e.id, c.cluster_label "
      "FROM embedding_clusters c JOIN embeddings e ON e.id = c.embedding_id "
      "JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id "
      "WHERE c.clustering_result_id = ? ORDER BY r.experiment_id, r.run_number, i.sequence_number"));
  q->Bind(1, clustering_id);
  std::vector<LabelPoint> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out.push_back({row.Text(0), row.Text(1), row.Int(2), row.Text(3), row.Int(4)});
    return Status::Ok();
  }));
  return out;
}

}  // namespace analysis_reads
}  // namespace panic::store
