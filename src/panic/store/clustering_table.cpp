#include "panic/store/clustering_table.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "panic/core/uuid.h"
#include "panic/store/id_prefix.h"
#include "panic/store/sqlite_db.h"
#include "panic/store/writer_lease.h"

namespace panic::store::clustering {
namespace {

// An incomplete result older than this is abandoned whoever wrote it: writing takes seconds
// to minutes, and a pid can be reused.
constexpr double kAbandonedAfterSeconds = 24 * 3600;

constexpr const char* kResultColumns =
    "id, embedding_model, algorithm, parameters, scope, path, point_count, dimension, cluster_count, outlier_count, "
    "read_seconds, cluster_seconds, write_seconds, started_at, completed_at, experiment_id";

std::optional<double> OptDouble(const Statement& q, int col) {
  if (q.IsNull(col)) return std::nullopt;
  return q.Double(col);
}

ResultRecord ReadResult(const Statement& q) {
  ResultRecord r;
  r.id = q.Text(0);
  r.embedding_model = q.Text(1);
  r.algorithm = q.Text(2);
  r.parameters_json = q.Text(3);
  r.scope = q.IsNull(4) ? (q.IsNull(15) ? kScopeAll : kScopeExperiments) : q.Text(4);
  r.path = q.OptText(5);
  r.point_count = q.OptInt(6);
  r.dimension = q.OptInt(7);
  r.cluster_count = q.OptInt(8);
  r.outlier_count = q.OptInt(9);
  r.read_seconds = OptDouble(q, 10);
  r.cluster_seconds = OptDouble(q, 11);
  r.write_seconds = OptDouble(q, 12);
  r.started_at = q.Text(13);
  r.completed_at = q.OptText(14);
  return r;
}

Status LoadScope(SqliteDb& db, ResultRecord* r) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT experiment_id FROM clustering_result_experiments WHERE clustering_result_id = ? ORDER BY experiment_id"));
  q->Bind(1, r->id);
  r->experiment_ids.clear();
  return q->ForEachRow([&](const Statement& row) -> Status {
    r->experiment_ids.push_back(row.Text(0));
    return Status::Ok();
  });
}

// Seconds since an ISO timestamp of ours (0 when it does not parse: never abandoned by age).
double AgeSeconds(const std::string& iso) {
  std::tm tm{};
  if (iso.size() < 19 || !strptime(iso.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  const std::time_t then = timegm(&tm);
  return std::difftime(std::time(nullptr), then);
}

bool WriterGone(const std::optional<int64_t>& pid, const std::string& host, const std::string& started_at) {
  if (!pid || *pid <= 0) return true;  // no writer recorded: nobody will complete it
  if (AgeSeconds(started_at) > kAbandonedAfterSeconds) return true;
  return host == LocalHostName() && ::kill(static_cast<pid_t>(*pid), 0) != 0 && errno == ESRCH;
}

const char* TypeFilter(bool include_images) { return include_images ? "" : " AND i.type = 'text'"; }

}  // namespace

Status Begin(SqliteDb& db, const ResultRecord& r, int64_t writer_pid, const std::string& writer_host) {
  PANIC_ASSIGN_OR_RETURN(Statement * ins, db.Prepare(
      "INSERT INTO clustering_results (id, experiment_id, embedding_model, algorithm, parameters, started_at, "
      "completed_at, scope, path, point_count, dimension, writer_pid, writer_host) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8, ?9, ?10, ?11, ?12)"));
  // experiment_id (migration 1): the one experiment of a single-experiment scope, else NULL.
  std::optional<std::string> single;
  if (r.scope == kScopeExperiments && r.experiment_ids.size() == 1) single = r.experiment_ids[0];
  ins->Bind(1, r.id).Bind(2, single).Bind(3, r.embedding_model).Bind(4, r.algorithm).Bind(5, r.parameters_json);
  ins->Bind(6, r.started_at).Bind(7, r.scope).Bind(8, r.path).Bind(9, r.point_count).Bind(10, r.dimension);
  ins->Bind(11, writer_pid).Bind(12, writer_host);
  PANIC_RETURN_IF_ERROR(ins->Run().WithContext("clustering result " + r.id));
  PANIC_ASSIGN_OR_RETURN(Statement * scope, db.Prepare(
      "INSERT INTO clustering_result_experiments (clustering_result_id, experiment_id) VALUES (?, ?)"));
  for (const std::string& e : r.experiment_ids) {
    scope->Bind(1, r.id).Bind(2, e);
    PANIC_RETURN_IF_ERROR(scope->Run().WithContext("scope of clustering result " + r.id + ": experiment " + e));
  }
  return Status::Ok();
}

Status AppendAssignments(SqliteDb& db, const std::string& result_id, const Assignments& a, size_t begin,
                         size_t end) {
  PANIC_ASSIGN_OR_RETURN(Statement * ins, db.Prepare(
      "INSERT INTO embedding_clusters (id, embedding_id, clustering_result_id, cluster_label, medoid_embedding_id, "
      "probability) VALUES (?, ?, ?, ?, ?, ?)"));
  for (size_t i = begin; i < end; ++i) {
    const int32_t label = a.labels[i];
    ins->Bind(1, NewUuidV7()).Bind(2, a.embedding_ids[i]).Bind(3, result_id).Bind(4, static_cast<int64_t>(label));
    if (label >= 0) ins->Bind(5, a.embedding_ids[a.medoid_rows[static_cast<size_t>(label)]]);
    else ins->BindNull(5);
    ins->Bind(6, static_cast<double>(a.probabilities[i]));
    Status s = ins->Run();
    if (!s.ok()) return s.WithContext("clustering result " + result_id + ": embedding " + a.embedding_ids[i]);
  }
  return Status::Ok();
}

Status Complete(SqliteDb& db, const ResultRecord& r, const std::vector<ClusterSummary>& clusters) {
  PANIC_ASSIGN_OR_RETURN(Statement * upd, db.Prepare(
      "UPDATE clustering_results SET completed_at = ?2, parameters = ?3, path = ?4, point_count = ?5, "
      "dimension = ?6, cluster_count = ?7, outlier_count = ?8, read_seconds = ?9, cluster_seconds = ?10, "
      "write_seconds = ?11, writer_pid = NULL, writer_host = NULL WHERE id = ?1 AND completed_at IS NULL"));
  upd->Bind(1, r.id).Bind(2, r.completed_at).Bind(3, r.parameters_json).Bind(4, r.path).Bind(5, r.point_count);
  upd->Bind(6, r.dimension).Bind(7, r.cluster_count).Bind(8, r.outlier_count).Bind(9, r.read_seconds);
  upd->Bind(10, r.cluster_seconds).Bind(11, r.write_seconds);
  PANIC_RETURN_IF_ERROR(upd->Run());
  if (db.Changes() == 0) {
    return Status::NotFound("clustering result " + r.id + " was deleted (or completed) while it was being written");
  }
  PANIC_ASSIGN_OR_RETURN(Statement * ins, db.Prepare(
      "INSERT INTO cluster_summaries (clustering_result_id, cluster_label, size, run_count, medoid_embedding_id) "
      "VALUES (?, ?, ?, ?, ?)"));
  for (const ClusterSummary& c : clusters) {
    ins->Bind(1, r.id).Bind(2, c.label).Bind(3, c.size).Bind(4, c.run_count).Bind(5, c.medoid_embedding_id);
    PANIC_RETURN_IF_ERROR(ins->Run().WithContext("clustering result " + r.id + ": cluster " + std::to_string(c.label)));
  }
  return Status::Ok();
}

Result<std::vector<ResultRecord>> List(SqliteDb& db) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(std::string("SELECT ") + kResultColumns +
                                                     " FROM clustering_results WHERE completed_at IS NOT NULL "
                                                     "ORDER BY started_at DESC, id DESC"));
  std::vector<ResultRecord> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out.push_back(ReadResult(row));
    return Status::Ok();
  }));
  for (auto& r : out) PANIC_RETURN_IF_ERROR(LoadScope(db, &r));
  return out;
}

Result<ResultRecord> Get(SqliteDb& db, const std::string& id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(std::string("SELECT ") + kResultColumns +
                                                     " FROM clustering_results WHERE id = ?"));
  q->Bind(1, id);
  PANIC_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) return Status::NotFound("no clustering result with id '" + id + "'");
  ResultRecord r = ReadResult(*q);
  q->Reset();
  if (!r.completed_at) {
    return Status::NotFound("clustering result " + id +
                            " is incomplete: it is being written, or its `cluster run` was killed (the next "
                            "`cluster run` or `cluster delete` removes it)");
  }
  PANIC_RETURN_IF_ERROR(LoadScope(db, &r));
  return r;
}

Result<std::string> ResolveId(SqliteDb& db, const std::string& id_or_prefix) {
  if (id_or_prefix == "latest") {
    PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
        "SELECT id FROM clustering_results WHERE completed_at IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT 1"));
    PANIC_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) return Status::NotFound("the database '" + db.path() + "' has no clustering results (`cluster run` makes one)");
    std::string id = q->Text(0);
    q->Reset();
    return id;
  }
  return ResolveIdPrefix(db, "clustering_results", "clustering result", id_or_prefix,
                         "its full id, a unique prefix of it, or latest; `cluster list` shows them");
}

Result<std::vector<ClusterSummary>> Clusters(SqliteDb& db, const std::string& id, int64_t limit) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT s.cluster_label, s.size, s.run_count, s.medoid_embedding_id, i.type, i.output_text, i.id "
      "FROM cluster_summaries s LEFT JOIN embeddings e ON e.id = s.medoid_embedding_id "
      "LEFT JOIN invocations i ON i.id = e.invocation_id WHERE s.clustering_result_id = ?1 "
      "ORDER BY s.size DESC, s.cluster_label LIMIT ?2"));
  q->Bind(1, id).Bind(2, limit);
  std::vector<ClusterSummary> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    ClusterSummary c;
    c.label = row.Int(0);
    c.size = row.Int(1);
    c.run_count = row.Int(2);
    c.medoid_embedding_id = row.OptText(3);
    c.medoid_type = row.OptText(4);
    c.medoid_text = row.Text(5);
    c.medoid_invocation_id = row.Text(6);
    out.push_back(std::move(c));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<AssignmentRow>> ListAssignments(SqliteDb& db, const std::string& id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT embedding_id, cluster_label, probability, medoid_embedding_id FROM embedding_clusters "
      "WHERE clustering_result_id = ? ORDER BY embedding_id"));
  q->Bind(1, id);
  std::vector<AssignmentRow> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out.push_back({row.Text(0), row.Int(1), OptDouble(row, 2), row.OptText(3)});
    return Status::Ok();
  }));
  return out;
}

Result<std::string> NewestCovering(SqliteDb& db, const std::vector<std::string>& experiment_ids) {
  PANIC_ASSIGN_OR_RETURN(std::vector<ResultRecord> results, List(db));  // newest first
  for (const ResultRecord& r : results) {
    bool covers = true;
    for (const std::string& e : experiment_ids) {
      covers = covers && std::binary_search(r.experiment_ids.begin(), r.experiment_ids.end(), e);
    }
    if (covers) return r.id;
  }
  return Status::NotFound("no clustering result covers these experiments");
}

Result<std::vector<LabelledStep>> LabelledSteps(SqliteDb& db, const std::string& result_id,
                                                const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT r.id, r.run_number, r.initial_prompt, r.network, i.sequence_number, ec.cluster_label "
      "FROM runs r JOIN invocations i ON i.run_id = r.id JOIN embeddings e ON e.invocation_id = i.id "
      "JOIN embedding_clusters ec ON ec.embedding_id = e.id AND ec.clustering_result_id = ?2 "
      "WHERE r.experiment_id = ?1 ORDER BY r.run_number, i.sequence_number"));
  q->Bind(1, experiment_id).Bind(2, result_id);
  std::vector<LabelledStep> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out.push_back({row.Text(0), row.Int(1), row.Text(2), row.Text(3), row.Int(4), row.Int(5)});
    return Status::Ok();
  }));
  return out;
}

Status Delete(SqliteDb& db, const std::string& id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("DELETE FROM clustering_results WHERE id = ?"));
  q->Bind(1, id);
  PANIC_RETURN_IF_ERROR(q->Run());
  if (db.Changes() == 0) return Status::NotFound("no clustering result with id '" + id + "'");
  return Status::Ok();
}

Result<int64_t> DeleteAll(SqliteDb& db) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("DELETE FROM clustering_results WHERE completed_at IS NOT NULL"));
  PANIC_RETURN_IF_ERROR(q->Run());
  const int64_t completed = db.Changes();
  PANIC_ASSIGN_OR_RETURN(int64_t abandoned, DeleteAbandoned(db));
  return completed + abandoned;
}

Result<std::vector<std::string>> AbandonedIds(SqliteDb& db) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT id, writer_pid, coalesce(writer_host, ''), started_at FROM clustering_results WHERE completed_at IS NULL"));
  std::vector<std::string> gone;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    if (WriterGone(row.OptInt(1), row.Text(2), row.Text(3))) gone.push_back(row.Text(0));
    return Status::Ok();
  }));
  return gone;
}

Result<int64_t> DeleteAbandoned(SqliteDb& db) {
  PANIC_ASSIGN_OR_RETURN(std::vector<std::string> gone, AbandonedIds(db));
  for (const std::string& id : gone) PANIC_RETURN_IF_ERROR(Delete(db, id));
  return static_cast<int64_t>(gone.size());
}

Result<std::vector<ModelCount>> CountSelection(SqliteDb& db, const Selection& selection) {
  // Outputs are numbered per run in step order (k from 0) before the join with embeddings,
  // exactly as ScanSelection counts them, so both keep the same rows. The join reads only
  // the covering index of embeddings (invocation_id, embedding_model), never the vectors:
  // the dimension comes from one vector per model and experiment, and ScanSelection checks
  // every vector against it.
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      std::string("WITH o AS (SELECT i.id, i.run_id, row_number() OVER (PARTITION BY i.run_id ORDER BY "
                  "i.sequence_number) - 1 AS k FROM runs r JOIN invocations i ON i.run_id = r.id "
                  "WHERE r.experiment_id = ?1") + TypeFilter(selection.include_images) +
      ") SELECT e.embedding_model, count(*), count(DISTINCT o.run_id) "
      "FROM o JOIN embeddings e ON e.invocation_id = o.id WHERE o.k % ?2 = 0 GROUP BY e.embedding_model"));
  PANIC_ASSIGN_OR_RETURN(Statement * sample, db.Prepare(
      std::string("SELECT length(e.vector) FROM runs r JOIN invocations i ON i.run_id = r.id "
                  "JOIN embeddings e ON e.invocation_id = i.id AND e.embedding_model = ?2 "
                  "WHERE r.experiment_id = ?1") + TypeFilter(selection.include_images) + " LIMIT 1"));
  std::vector<ModelCount> out;
  for (const std::string& experiment : selection.experiment_ids) {
    std::vector<ModelCount> here;
    q->Bind(1, experiment).Bind(2, selection.downsample < 1 ? 1 : selection.downsample);
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
      here.push_back({row.Text(0), row.Int(1), row.Int(2), {experiment}, 0});
      return Status::Ok();
    }));
    for (ModelCount& m : here) {
      sample->Bind(1, experiment).Bind(2, m.model);
      PANIC_ASSIGN_OR_RETURN(int64_t bytes, sample->ScalarInt());
      if (bytes <= 0 || bytes % 4 != 0) {
        return Status::Corruption("embeddings under " + m.model + " in experiment " + experiment + " have vectors of " +
                                  std::to_string(bytes) + " bytes, not float32");
      }
      m.dimension = bytes / 4;
      auto it = std::find_if(out.begin(), out.end(), [&](const ModelCount& c) { return c.model == m.model; });
      if (it == out.end()) {
        out.push_back(std::move(m));
        continue;
      }
      if (it->dimension != m.dimension) {
        return Status::Corruption("embeddings under " + m.model + " have dimension " + std::to_string(it->dimension) +
                                  " in experiment " + it->experiment_ids.front() + " and " +
                                  std::to_string(m.dimension) + " in experiment " + experiment);
      }
      it->points += m.points;
      it->runs += m.runs;
      it->experiment_ids.push_back(experiment);
    }
  }
  return out;
}

Status ScanSelection(SqliteDb& db, const Selection& selection, const std::string& model, int64_t page,
                     const std::function<Status(const ScannedEmbedding&)>& fn) {
  // Every selected output (with or without a vector under `model`) is counted, so an output
  // missing its vector does not shift which ones downsampling keeps.
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      std::string("SELECT r.run_number, i.sequence_number, r.id, e.id, e.vector FROM runs r "
                  "JOIN invocations i ON i.run_id = r.id "
                  "LEFT JOIN embeddings e ON e.invocation_id = i.id AND e.embedding_model = ?2 "
                  "WHERE r.experiment_id = ?1 AND (r.run_number, i.sequence_number) > (?3, ?4)") +
      TypeFilter(selection.include_images) + " ORDER BY r.run_number, i.sequence_number LIMIT ?5"));
  const int64_t every = selection.downsample < 1 ? 1 : selection.downsample;
  for (const std::string& experiment : selection.experiment_ids) {
    int64_t run_number = -1, sequence_number = -1, k = 0;
    while (true) {
      q->Bind(1, experiment).Bind(2, model).Bind(3, run_number).Bind(4, sequence_number).Bind(5, page);
      int64_t rows = 0;
      PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
        ++rows;
        if (row.Int(0) != run_number) k = 0;  // a new run: count its outputs from 0
        run_number = row.Int(0);
        sequence_number = row.Int(1);
        const bool keep = k++ % every == 0;
        if (!keep || row.IsNull(3)) return Status::Ok();
        ScannedEmbedding e;
        e.experiment_id = experiment;
        e.run_id = row.View(2);
        e.embedding_id = row.View(3);
        e.vector = row.View(4);
        return fn(e);
      }));
      if (rows < page) break;
    }
  }
  return Status::Ok();
}

}  // namespace panic::store::clustering
