#include "panic/engine/legacy_import.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <unordered_map>

#include "panic/analysis/bounded_fit.h"
#include "panic/analysis/divergence.h"
#include "panic/core/time.h"
#include "panic/engine/loop_key.h"
#include "panic/engine/lyapunov_stage.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/database.h"
#include "panic/store/experiments_table.h"
#include "panic/store/image_codec.h"
#include "panic/store/legacy_mapping.h"

namespace panic::engine {
namespace {

namespace li = store::legacy_import;
namespace lg = store::legacy;
using store::SqliteDb;
using Outcome = li::Outcome;

// What one source row became: an outcome, or a reason it was skipped.
struct RowResult {
  Outcome outcome = Outcome::kInserted;
  std::string skip_reason;  // non-empty: skipped
};

// Maps and writes one source row. `mapped` errors (the row's values) become skip reasons;
// errors of the target are returned.
using RowWriter = std::function<Result<RowResult>(SqliteDb&, const lg::SourceRow&)>;

template <typename T>
Result<RowResult> Write(const Result<T>& mapped, const char* what,
                        const std::function<Result<Outcome>(const T&)>& put, const char* parent,
                        const char* natural_key) {
  if (!mapped.ok()) {
    const bool null_value = mapped.status().code() == StatusCode::kNotFound;
    return RowResult{Outcome::kDuplicate, (null_value ? "" : "undecodable: ") + mapped.status().message()};
  }
  PANIC_ASSIGN_OR_RETURN(Outcome o, put(*mapped));
  if (o == Outcome::kOrphan) return RowResult{o, std::string("orphan: its ") + parent + " was not imported"};
  if (o == Outcome::kDuplicate) {
    return RowResult{o, std::string("duplicate: another ") + what + " has the same " + natural_key};
  }
  return RowResult{o, ""};
}

// medoid → cluster label per clustering result: medoids in id order, 0, 1, … (the source
// stored no label; -1 is an outlier, as ours).
using ClusterLabels = std::map<std::pair<std::string, std::string>, int64_t>;

Result<ClusterLabels> LabelsOf(store::LegacySource& source, const std::string& table) {
  PANIC_ASSIGN_OR_RETURN(auto pairs, source.DistinctPairs(table, "clustering_result_id", "medoid_embedding_id"));
  ClusterLabels labels;
  std::map<std::string, int64_t> next;
  for (const auto& [result, medoid] : pairs) {
    auto r = lg::CanonicalId(result, "clustering_result_id");
    auto m = lg::CanonicalId(medoid, "medoid_embedding_id");
    if (!r.ok() || !m.ok()) continue;  // the row itself is skipped as undecodable
    if (!labels.count({*r, *m})) labels[{*r, *m}] = next[*r]++;
  }
  return labels;
}

// One era's source tables and row mappings. The writes are the same for both eras; only
// the table names and the mapping of a source row differ.
struct EraTables {
  const char *experiments, *runs, *invocations, *embeddings, *diagrams, *clusterings, *assignments;
  Result<store::ExperimentRecord> (*experiment)(const lg::SourceRow&);
  Result<store::RunRecord> (*run)(const lg::SourceRow&);
  Result<lg::InvocationRow> (*invocation)(const lg::SourceRow&);
  Result<lg::EmbeddingRow> (*embedding)(const lg::SourceRow&);
  Result<store::PersistenceDiagramRecord> (*diagram)(const lg::SourceRow&);
  Result<lg::ClusteringRow> (*clustering)(const lg::SourceRow&);
  Result<lg::AssignmentRow> (*assignment)(const lg::SourceRow&);
};

// Elixir's runs are numbered in source order per experiment (its run_number counts within a
// network and prompt, ours within the experiment); its assignments have the Python shape.
constexpr EraTables kPythonTables{"experimentconfig", "run", "invocation", "embedding", "persistencediagram",
                                  "clusteringresult", "embeddingcluster", lg::PythonExperiment, lg::PythonRun,
                                  lg::PythonInvocation, lg::PythonEmbedding, lg::PythonDiagramRow,
                                  lg::PythonClustering, lg::PythonAssignment};
constexpr EraTables kElixirTables{"experiments", "runs", "invocations", "embeddings", "persistence_diagrams",
                                  "clustering_results", "embedding_clusters", lg::ElixirExperiment, lg::ElixirRun,
                                  lg::ElixirInvocation, lg::ElixirEmbedding, lg::ElixirDiagramRow,
                                  lg::ElixirClustering, lg::PythonAssignment};

std::map<std::string, RowWriter> EraWriters(const EraTables& t, const std::string& key, const std::string& time_zone,
                                            const ClusterLabels* labels) {
  std::map<std::string, RowWriter> w;
  w[t.experiments] = [&t, key, time_zone](SqliteDb& db, const lg::SourceRow& row) {
    return Write<store::ExperimentRecord>(
        t.experiment(row), "experiment",
        [&](const store::ExperimentRecord& e) { return li::PutExperiment(db, e, key, time_zone); }, "", "id");
  };
  w[t.runs] = [&t](SqliteDb& db, const lg::SourceRow& row) {
    return Write<store::RunRecord>(
        t.run(row), "run", [&](const store::RunRecord& r) { return li::PutRun(db, r, true); }, "experiment", "id");
  };
  w[t.invocations] = [&t](SqliteDb& db, const lg::SourceRow& row) {
    return Write<lg::InvocationRow>(
        t.invocation(row), "invocation",
        [&](const lg::InvocationRow& i) { return li::PutInvocation(db, i.record, i.output_missing); }, "run",
        "run and sequence_number");
  };
  w[t.embeddings] = [&t](SqliteDb& db, const lg::SourceRow& row) {
    return Write<lg::EmbeddingRow>(
        t.embedding(row), "embedding", [&](const lg::EmbeddingRow& e) { return li::PutEmbedding(db, e); },
        "invocation", "invocation and embedding_model");
  };
  w[t.diagrams] = [&t](SqliteDb& db, const lg::SourceRow& row) {
    return Write<store::PersistenceDiagramRecord>(
        t.diagram(row), "diagram", [&](const store::PersistenceDiagramRecord& d) { return li::PutDiagram(db, d); },
        "run", "run and embedding_model");
  };
  w[t.clusterings] = [&t](SqliteDb& db, const lg::SourceRow& row) {
    return Write<lg::ClusteringRow>(
        t.clustering(row), "clustering result", [&](const lg::ClusteringRow& r) { return li::PutClustering(db, r); },
        "", "id");
  };
  w[t.assignments] = [&t, labels](SqliteDb& db, const lg::SourceRow& row) {
    return Write<lg::AssignmentRow>(
        t.assignment(row), "cluster assignment",
        [&](const lg::AssignmentRow& a) {
          int64_t label = -1;
          if (a.medoid_embedding_id) {
            auto it = labels->find({a.clustering_result_id, *a.medoid_embedding_id});
            label = it == labels->end() ? -1 : it->second;
          }
          return li::PutAssignment(db, a, label);
        },
        "embedding, medoid or clustering result", "id");
  };
  return w;
}

std::map<std::string, RowWriter> PythonWriters(const std::string& key, const std::string& time_zone,
                                               const ClusterLabels* labels) {
  return EraWriters(kPythonTables, key, time_zone, labels);
}

// The Elixir era's tables: the same writes, its own mapping, and its Lyapunov rows.
std::map<std::string, RowWriter> ElixirWriters(const std::string& key, const std::string& time_zone,
                                               const ClusterLabels* labels) {
  std::map<std::string, RowWriter> w = EraWriters(kElixirTables, key, time_zone, labels);
  // Mapped (store/legacy_mapping.h) and completed by our analysis of its curve: the
  // log-linear intercept (Elixir kept the slope and R² of the same least squares, not the
  // intercept) and the bounded fit. Elixir's own exponent and R² are kept as it stored them.
  w["lyapunov_results"] = [](SqliteDb& db, const lg::SourceRow& row) {
    return Write<lg::LyapunovRow>(
        lg::ElixirLyapunovRow(row), "Lyapunov result",
        [&](const lg::LyapunovRow& l) {
          store::LyapunovRecord r = l.record;
          r.intercept = analysis::FitLogLinear(r.curve).intercept;
          const analysis::BoundedFit b = analysis::FitBoundedApproach(r.curve);
          r.bounded_status = analysis::BoundedFitStatusName(b.status);
          r.d_inf = b.d_inf;
          r.d0 = b.d0;
          r.tau = b.tau;
          r.bounded_r_squared = b.r_squared;
          return li::PutLyapunov(db, r);
        },
        "experiment", "experiment, network, prompt and embedding_model");
  };
  return w;
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string SourceIdOf(const lg::SourceRow& row) {
  if (!row.values.empty() && row.values[0] && row.values[0]->size() <= 64) return *row.values[0];
  return "rowid " + std::to_string(row.rowid);
}

// Copies one table, batch by batch (one target transaction each).
Status CopyTable(store::LegacySource& source, store::Database& target, const store::LegacyTable& table,
                 const RowWriter& writer, const std::string& key, const ImportOptions& options,
                 ImportTableReport* report) {
  report->table = table.name;
  PANIC_ASSIGN_OR_RETURN(int64_t total, source.MaxRowid(table.name));
  int64_t after = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (true) {
    if (options.cancel && options.cancel->load()) return Status::Cancelled("import interrupted");
    PANIC_ASSIGN_OR_RETURN(std::vector<lg::SourceRow> rows, source.ReadBatch(table, after, options.batch_rows));
    if (rows.empty()) break;
    ImportTableReport batch;
    Status written = target.Write([&](SqliteDb& db) -> Status {
      for (const lg::SourceRow& row : rows) {
        PANIC_ASSIGN_OR_RETURN(RowResult r, writer(db, row));
        ++batch.read;
        if (!r.skip_reason.empty()) {
          ++batch.skipped;
          PANIC_RETURN_IF_ERROR(li::Skip(db, key, table.name, SourceIdOf(row), r.skip_reason));
        } else if (r.outcome == Outcome::kPresent) {
          ++batch.present;
        } else {
          ++batch.inserted;
        }
      }
      return Status::Ok();
    });
    PANIC_RETURN_IF_ERROR(written);
    report->read += batch.read;
    report->inserted += batch.inserted;
    report->present += batch.present;
    report->skipped += batch.skipped;
    after = rows.back().rowid;
    if (options.progress) {
      ProgressEvent e;
      e.stage = table.name;
      e.unit = "rows";
      e.done = after;
      e.total = std::max(total, after);
      e.done_this_session = report->read;
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      e.rate = s > 0 ? report->read / s : 0;
      e.eta_s = e.rate > 0 ? (e.total - e.done) * (report->read / static_cast<double>(std::max<int64_t>(after, 1))) / e.rate : -1;
      options.progress(e);
    }
  }
  if (options.progress) {
    ProgressEvent e;
    e.stage = table.name;
    e.unit = "rows";
    e.done = e.total = std::max(total, after);
    e.done_this_session = report->read;
    e.finished = true;
    options.progress(e);
  }
  return Status::Ok();
}

// Our stop reason for an imported run (see legacy_import.h), and a note when it disagrees
// with the run's length.
Status RecomputeStop(SqliteDb& db, const li::ImportedRun& run, bool loop_detection, ImportReport* report) {
  std::optional<std::string> stop;
  std::optional<int64_t> loop_length;
  int64_t repeat_at = -1;
  if (loop_detection && run.seed != -1) {
    std::unordered_map<std::string, int64_t> seen;
    std::string problem;
    PANIC_RETURN_IF_ERROR(li::ForEachStep(
        db, run.id, [&](int64_t seq, store::OutputType type, const std::optional<std::string>& output) -> Status {
          if (repeat_at >= 0 || !problem.empty()) return Status::Ok();
          if (!output) {
            problem = "step " + std::to_string(seq) + " has no output";
            return Status::Ok();
          }
          models::Payload payload;
          if (type == store::OutputType::kText) {
            payload = *output;
          } else {
            auto image = store::DecodeImage(*output);
            if (!image.ok()) {
              problem = "step " + std::to_string(seq) + " does not decode";
              return Status::Ok();
            }
            payload = std::move(*image);
          }
          PANIC_ASSIGN_OR_RETURN(std::string k, LoopKey(payload, LoopDetection::kJpegQ30));
          auto [it, fresh] = seen.emplace(std::move(k), seq);
          if (!fresh) {
            repeat_at = seq;
            loop_length = seq - it->second;
          }
          return Status::Ok();
        }));
    if (!problem.empty()) {
      report->stop_notes.push_back("run " + run.id + ": loop detection stopped at " + problem);
    }
  }
  if (repeat_at >= 0) {
    stop = store::kStopDuplicate;
    if (run.steps != repeat_at + 1) {
      report->stop_notes.push_back("run " + run.id + ": first repeated output at step " + std::to_string(repeat_at) +
                                   " (loop length " + std::to_string(*loop_length) + "), but the run has " +
                                   std::to_string(run.steps) + " steps; all are kept");
    }
  } else if (run.steps >= run.max_length && run.last_sequence + 1 == run.steps) {
    stop = store::kStopLength;
  } else {
    report->stop_notes.push_back("run " + run.id + ": " + std::to_string(run.steps) + " of " +
                                 std::to_string(run.max_length) + " steps and no repeat: left without a stop reason "
                                 "(incomplete; the doctor reports it)");
  }
  if (!stop) {
    ++report->runs_unstopped;
  } else if (*stop == store::kStopDuplicate) {
    ++report->runs_duplicate;
  } else {
    ++report->runs_length;
  }
  return li::SetRunStop(db, run.id, stop, loop_length, stop ? run.last_completed_at : std::nullopt);
}

// After the runs' stop reasons: each imported Lyapunov result (fingerprint
// kElixirLyapunovFingerprint) whose group our lyapunov stage would compute from as many
// runs as Elixir compared (num_runs, from its num_pairs) truncated to as many steps
// (num_timesteps) takes the stage's fingerprint: the stage then keeps it, as it keeps a
// result of its own (Elixir computed the same mean pairwise distance and log-linear fit on
// the same, imported, vectors). Any other keeps the import's fingerprint, which the stage
// reads as stale: the pipeline recomputes and replaces it when it next runs on the
// experiment; the report names those.
Status MatchLyapunovResults(SqliteDb& db, const std::string& key, ImportReport* report) {
  PANIC_ASSIGN_OR_RETURN(auto experiments, li::ImportedExperiments(db, key));
  for (const std::string& id : experiments) {
    PANIC_ASSIGN_OR_RETURN(auto results, store::lyapunov::List(db, id));
    bool any = false;
    for (const auto& r : results) any = any || r.runs_fingerprint == lg::kElixirLyapunovFingerprint;
    if (!any) continue;
    PANIC_ASSIGN_OR_RETURN(store::ExperimentRecord experiment, store::experiments::Get(db, id));
    PANIC_ASSIGN_OR_RETURN(auto groups, LyapunovStage::ListGroups(db, experiment));
    std::map<std::string, std::map<std::string, int64_t>> counts;  // model → run → vectors
    for (const auto& r : results) {
      if (r.runs_fingerprint != lg::kElixirLyapunovFingerprint) continue;
      if (!counts.count(r.embedding_model)) {
        PANIC_ASSIGN_OR_RETURN(counts[r.embedding_model],
                               store::analysis_reads::EmbeddingCountsByRun(db, id, r.embedding_model));
      }
      const auto& by_run = counts[r.embedding_model];
      const LyapunovGroup* match = nullptr;
      for (const auto& g : groups) {
        if (g.model != r.embedding_model || g.network != r.network || g.prompt != r.initial_prompt ||
            !g.other_prompt.empty() || static_cast<int64_t>(g.runs.size()) != r.num_runs) {
          continue;
        }
        int64_t steps = INT64_MAX;
        for (const auto& run : g.runs) {
          auto c = by_run.find(run);
          steps = std::min(steps, c == by_run.end() ? 0 : c->second);
        }
        if (steps == r.num_timesteps) match = &g;
      }
      if (match != nullptr) {
        PANIC_RETURN_IF_ERROR(li::SetLyapunovFingerprint(db, r.id, match->fingerprint));
        ++report->lyapunov_current;
      } else {
        ++report->lyapunov_stale;
        report->lyapunov_notes.push_back(
            "Lyapunov result " + r.id + " (" + r.embedding_model + ", prompt '" + r.initial_prompt +
            "'): our lyapunov stage's group differs (Elixir: " + std::to_string(r.num_runs) + " runs × " +
            std::to_string(r.num_timesteps) + " steps); kept as imported, and recomputed by the pipeline's "
            "lyapunov stage when it next runs on this experiment");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

int64_t ImportReport::inserted() const {
  int64_t n = 0;
  for (const auto& t : tables) n += t.inserted;
  return n;
}

Result<ImportReport> ImportLegacy(const ImportOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  if (options.batch_rows < 1) return Status::InvalidArgument("batch size must be ≥ 1");
  // The source first: bad input leaves the target untouched.
  PANIC_ASSIGN_OR_RETURN(auto source, store::LegacySource::Open(options.source, options.era));
  std::error_code ec;
  const std::string absolute = std::filesystem::weakly_canonical(options.source, ec).string();
  if (absolute == std::filesystem::weakly_canonical(options.target, ec).string()) {
    return Status::InvalidArgument("the target database is the source file '" + options.source + "'");
  }
  // kNormal: a killed import keeps every committed batch (and resumes); a power loss may
  // roll back the latest batches, which the same command then writes again. A target this
  // command creates is bulk-loaded through a rollback journal (BeginBulkLoad) until the end.
  const bool new_target = !std::filesystem::exists(options.target, ec);
  if (new_target) PANIC_RETURN_IF_ERROR(li::CreateBulkTarget(options.target));
  PANIC_ASSIGN_OR_RETURN(auto target,
                         store::Database::Open(options.target, store::OpenMode::kCreate, store::Durability::kNormal));
  PANIC_RETURN_IF_ERROR(li::SetImportCache(target->connection()));
  if (new_target) PANIC_RETURN_IF_ERROR(li::BeginBulkLoad(target->connection()));
  // Any return (an error, Ctrl-C) leaves the file in WAL, as every other open expects.
  struct EndBulkLoadOnReturn {
    SqliteDb* db;
    ~EndBulkLoadOnReturn() {
      if (db != nullptr) (void)li::EndBulkLoad(*db, /*full_sync=*/false);
    }
  } end_bulk_load{new_target ? &target->connection() : nullptr};

  ImportReport report;
  report.source = options.source;
  report.target = options.target;
  report.era = store::LegacyEraName(options.era);
  report.time_zone = options.era == store::LegacyEra::kPython ? "unknown" : "UTC";
  const std::string key = report.era + ":" + absolute;
  PANIC_RETURN_IF_ERROR(target->Write([&](SqliteDb& db) {
    return li::BeginImport(db, key, report.era, absolute, report.time_zone, NowIso());
  }));

  ClusterLabels labels;
  const auto& tables = store::LegacyTables(options.era);
  for (const auto& t : tables) {
    if (t.name == "embeddingcluster" || t.name == "embedding_clusters") {
      PANIC_ASSIGN_OR_RETURN(labels, LabelsOf(*source, t.name));
    }
  }
  std::map<std::string, RowWriter> writers;
  writers = options.era == store::LegacyEra::kPython ? PythonWriters(key, report.time_zone, &labels)
                                                     : ElixirWriters(key, report.time_zone, &labels);

  for (const store::LegacyTable& table : tables) {
    const bool invocations = table.name == "invocation" || table.name == "invocations";
    const bool embeddings = table.name == "embedding" || table.name == "embeddings";
    ImportTableReport tr;
    const auto ts = std::chrono::steady_clock::now();
    const double cpu0 = ProcessCpuSeconds();
    // A step may precede (by rowid) the step it names as input: foreign keys are off for
    // the invocations' pass, the run is checked explicitly, and dangling inputs are
    // cleared (and reported) right after. The embeddings' pass checks each vector's
    // invocation itself (PutEmbedding), so SQLite need not look it up a second time.
    const bool keys_off = invocations || embeddings;
    if (keys_off) PANIC_RETURN_IF_ERROR(li::SetForeignKeys(target->connection(), false));
    Status copied = CopyTable(*source, *target, table, writers.at(table.name), key, options, &tr);
    if (keys_off) {
      Status on = li::SetForeignKeys(target->connection(), true);
      PANIC_RETURN_IF_ERROR(copied);
      PANIC_RETURN_IF_ERROR(on);
    }
    if (invocations) {
      PANIC_RETURN_IF_ERROR(target->Write([&](SqliteDb& db) -> Status {
        return li::ClearDanglingInputs(db, key, table.name).status();
      }));
    }
    PANIC_RETURN_IF_ERROR(copied);
    if (embeddings) {
      report.embedding_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - ts).count();
      report.embedding_cpu_seconds = ProcessCpuSeconds() - cpu0;
    }
    report.tables.push_back(tr);
  }

  PANIC_RETURN_IF_ERROR(target->Write([&](SqliteDb& db) -> Status {
    Status provenance = li::SetDiagramProvenance(db, key);
    return provenance.ok() ? li::FinalizeClusterings(db, key) : provenance;
  }));
  PANIC_RETURN_IF_ERROR(target->Write([&](SqliteDb& db) {
    return li::ForEachImportedRun(db, key, [&](const li::ImportedRun& run) {
      return RecomputeStop(db, run, options.era == store::LegacyEra::kPython, &report);
    });
  }));
  PANIC_RETURN_IF_ERROR(target->Write([&](SqliteDb& db) { return MatchLyapunovResults(db, key, &report); }));
  PANIC_RETURN_IF_ERROR(target->Write([&](SqliteDb& db) -> Status {
    PANIC_ASSIGN_OR_RETURN(report.skip_counts, li::SkipCounts(db, key));
    PANIC_ASSIGN_OR_RETURN(report.skips, li::Skips(db, key, kReportedSkips));
    return li::FinishImport(db, key, NowIso());
  }));
  if (new_target) {
    end_bulk_load.db = nullptr;
    PANIC_RETURN_IF_ERROR(li::EndBulkLoad(target->connection(), /*full_sync=*/false));
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace panic::engine
