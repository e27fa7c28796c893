#include "panic/export/tidy_tables.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <span>

#include "panic/analysis/change_points.h"
#include "panic/analysis/markov_chain.h"
#include "panic/analysis/run_statistics.h"
#include "panic/analysis/semantic_drift.h"
#include "panic/core/time.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/embedding_scan.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"
#include "panic/store/sqlite_db.h"

namespace panic::exporting {
namespace {

using store::SqliteDb;
constexpr ColumnType S = ColumnType::kString, I = ColumnType::kInt64, D = ColumnType::kDouble,
                     F = ColumnType::kFloatList;

Cell Opt(const std::optional<std::string>& s) { return s ? Cell(*s) : Cell(); }
Cell Opt(const std::optional<int64_t>& v) { return v ? Cell(*v) : Cell(); }
Cell Str(const std::string& s) { return s.empty() ? Cell() : Cell(s); }

std::string NetworkName(const std::vector<std::string>& network) {
  std::string out;
  for (const auto& m : network) out += (out.empty() ? "" : "→") + m;
  return out;
}

// A run with the columns every run-level table repeats.
struct RunInfo {
  store::RunRecord run;
  std::string network;      // "A→B"
  std::string image_model;  // the network's first model that makes images ("" if none)
  std::string text_model;   // ... that makes text
};

struct ExperimentRuns {
  store::ExperimentRecord experiment;
  std::vector<RunInfo> runs;                   // by run number
  std::map<std::string, size_t> index;         // run id → position in runs
  const RunInfo* Find(const std::string& id) const {
    auto it = index.find(id);
    return it == index.end() ? nullptr : &runs[it->second];
  }
};

Result<ExperimentRuns> LoadRuns(SqliteDb& c, const std::string& experiment_id) {
  ExperimentRuns out;
  PANIC_ASSIGN_OR_RETURN(out.experiment, store::experiments::Get(c, experiment_id));
  PANIC_ASSIGN_OR_RETURN(auto runs, store::runs::List(c, experiment_id));
  PANIC_ASSIGN_OR_RETURN(auto types, store::analysis_reads::ModelOutputTypes(c, experiment_id));
  for (auto& r : runs) {
    RunInfo info;
    info.network = NetworkName(r.network);
    for (const auto& m : r.network) {
      auto t = types.find(m);
      if (t == types.end()) continue;
      std::string& slot = t->second == store::OutputType::kImage ? info.image_model : info.text_model;
      if (slot.empty()) slot = m;
    }
    info.run = std::move(r);
    out.index[info.run.id] = out.runs.size();
    out.runs.push_back(std::move(info));
  }
  return out;
}

bool Cancelled(const TidyOptions& o) { return o.cancel && o.cancel->load(); }
Status CheckCancel(const TidyOptions& o) {
  return Cancelled(o) ? Status::Cancelled("interrupted") : Status::Ok();
}

// Runs fn(connection) in one read transaction.
template <typename Fn>
Status InRead(store::Database& db, Fn&& fn) {
  return db.Read([&](SqliteDb& c) -> Status { return fn(c); });
}

bool ModelWanted(const TidyOptions& o, const std::string& model) { return !o.model || *o.model == model; }

// The trajectories of one experiment under the wanted models, one (run, model) at a time,
// in run order: fn(run, model, type, points). The points live in a pool reused from one
// trajectory to the next (assigning a point reuses its strings' and vector's buffers), so
// a scan of a million embeddings does not allocate per point.
using TrajectoryFn = std::function<Status(const std::string& run_id, const std::string& model, store::OutputType type,
                                          std::span<const store::TrajectoryPoint> points)>;
Status ForEachTrajectory(SqliteDb& c, const std::string& experiment_id, const TidyOptions& o, const TrajectoryFn& fn) {
  std::vector<store::TrajectoryPoint> pool;
  size_t used = 0;  // pool[0, used) is the trajectory being collected
  auto flush = [&]() -> Status {
    if (used == 0) return Status::Ok();
    Status s = fn(pool[0].run_id, pool[0].embedding_model, pool[0].type, {pool.data(), used});
    used = 0;
    return s;
  };
  if (Status scan = store::analysis_reads::ForEachEmbedding(
      c, experiment_id, o.model, [&](const store::TrajectoryPoint& p) -> Status {
        if (used > 0 && (pool[0].run_id != p.run_id || pool[0].embedding_model != p.embedding_model)) {
          PANIC_RETURN_IF_ERROR(flush());
          PANIC_RETURN_IF_ERROR(CheckCancel(o));
        }
        if (used == pool.size()) pool.emplace_back();
        pool[used++] = p;
        return Status::Ok();
      }); !scan.ok()) return scan;
  return flush();
}

Result<std::vector<float>> Flatten(std::span<const store::TrajectoryPoint> points, size_t& dim) {
  dim = points.empty() ? 0 : points[0].vector.size();
  std::vector<float> flat;
  flat.reserve(points.size() * dim);
  for (const auto& p : points) {
    if (p.vector.size() != dim) {
      return Status::Corruption("run " + p.run_id + " has " + p.embedding_model + " vectors of " +
                                std::to_string(dim) + " and " + std::to_string(p.vector.size()) + " values");
    }
    flat.insert(flat.end(), p.vector.begin(), p.vector.end());
  }
  return flat;
}

void Note(const TidyOptions& o, const std::string& line) {
  if (o.notes && std::find(o.notes->begin(), o.notes->end(), line) == o.notes->end()) o.notes->push_back(line);
}

}  // namespace

namespace {

// Drift of an experiment's embeddings, read in the table's physical order
// (store::EmbeddingScan: no seek per row) and put back in trajectory order at the end.
// The values are those of computing each (run, model) trajectory in turn: every row's drift
// depends only on its vector and its trajectory's reference, and it is computed by the same
// function (analysis::SemanticDrift) on batches of rows of one dimension.
class DriftOfExperiment {
 public:
  DriftOfExperiment(const std::string& exp, const ExperimentRuns& runs, const TidyOptions& o)
      : exp_(exp), runs_(runs), o_(o) {}

  Status Compute(SqliteDb& c) {
    PANIC_ASSIGN_OR_RETURN(auto prompts, store::prompt_embeddings::List(c, exp_));
    std::map<std::pair<std::string, std::string>, std::vector<float>> reference;  // (model, prompt)
    for (auto& p : prompts) reference[{p.embedding_model, p.initial_prompt}] = std::move(p.vector);
    PANIC_ASSIGN_OR_RETURN(scan_, store::EmbeddingScan::Prepare(c, exp_, o_.model));
    const size_t models = scan_.models().size();
    trajectories_.resize(scan_.run_ids().size() * models);
    for (uint32_t r = 0; r < scan_.run_ids().size(); ++r) {
      const RunInfo* run = runs_.Find(scan_.run_ids()[r]);
      if (!run) return Status::Internal("run " + scan_.run_ids()[r] + " is not in experiment " + exp_);
      for (uint32_t m = 0; m < models; ++m) {
        const auto& first = scan_.first(r, m);
        if (!first.present) continue;
        Trajectory& t = trajectories_[r * models + m];
        t.run = run;
        const std::string& model = scan_.models()[m];
        // The trajectory's dimension is its first point's (as the per-trajectory check had it).
        PANIC_ASSIGN_OR_RETURN(std::vector<float> first_vector, scan_.FirstVector(c, r, m));
        t.dim = first_vector.size();
        t.image = first.type == store::OutputType::kImage;
        if (t.image) {
          t.reference = std::move(first_vector);
        } else if (auto it = reference.find({model, run->run.initial_prompt}); it != reference.end()) {
          t.reference = it->second;
        } else {
          Note(o_, "experiment " + exp_ + ": no stored embedding of a prompt under " + model +
                       ": its drift is NULL (run `panic-tda experiment resume " + exp_ +
                       " --stages prompt_embeddings` to compute them)");
        }
        if (!t.reference.empty() && t.reference.size() != t.dim) {
          return Status::Corruption("the " + model + " reference of run " + scan_.run_ids()[r] + " has " +
                                    std::to_string(t.reference.size()) + " values, its vectors " +
                                    std::to_string(t.dim));
        }
      }
    }
    rows_.reserve(scan_.size());
    Status scanned = scan_.ForEach(c, [&](const store::EmbeddingScan::Row& row) -> Status {
      const size_t ti = row.run * models + row.model;
      const Trajectory& t = trajectories_[ti];
      if (row.size() != t.dim) {
        return Status::Corruption("run " + scan_.run_ids()[row.run] + " has " + scan_.models()[row.model] +
                                  " vectors of " + std::to_string(t.dim) + " and " + std::to_string(row.size()) +
                                  " values");
      }
      rows_.push_back({static_cast<uint32_t>(ti), row.invocation, row.sequence_number,
                       std::numeric_limits<double>::quiet_NaN()});
      if (!t.reference.empty()) {
        Batch& b = batches_[t.dim];
        b.Add(ti, t.reference, row, rows_.size() - 1);
        if (b.rows.size() == kBatchRows) PANIC_RETURN_IF_ERROR(Flush(t.dim, b));
      }
      if (rows_.size() % kBatchRows == 0) return CheckCancel(o_);
      return Status::Ok();
    });
    if (!scanned.ok()) return scanned;
    for (auto& [dim, b] : batches_) PANIC_RETURN_IF_ERROR(Flush(dim, b));
    // Trajectory order: run number, model name, step (the trajectory index is run × models
    // + model, so it sorts by run, then model).
    std::sort(rows_.begin(), rows_.end(), [](const DriftRow& a, const DriftRow& b) {
      return a.trajectory != b.trajectory ? a.trajectory < b.trajectory : a.sequence_number < b.sequence_number;
    });
    return Status::Ok();
  }

  Status Write(TableSink& sink) const {
    const size_t models = scan_.models().size();
    for (const DriftRow& row : rows_) {
      const Trajectory& t = trajectories_[row.trajectory];
      const RunInfo* run = t.run;
      PANIC_RETURN_IF_ERROR(sink.Add({exp_, run->run.id, std::string(scan_.invocation_id(row.invocation)),
                                      row.sequence_number, scan_.models()[row.trajectory % models], run->network,
                                      Str(run->image_model), Str(run->text_model), run->run.initial_prompt,
                                      std::string(t.image ? "first_image" : "prompt"),
                                      t.reference.empty() ? Cell() : Cell(row.drift)}));
    }
    return Status::Ok();
  }

 private:
  static constexpr size_t kBatchRows = 16384;  // 48 MiB of 768-d vectors; 4 parallel chunks

  struct Trajectory {
    const RunInfo* run = nullptr;
    size_t dim = 0;
    bool image = false;
    std::vector<float> reference;  // empty: drift NULL
  };
  struct DriftRow {
    uint32_t trajectory;
    uint32_t invocation;
    int64_t sequence_number;
    double drift;
  };
  // Rows of one dimension waiting for their drift, with the references they use.
  struct Batch {
    std::vector<float> vectors, references;
    std::vector<size_t> reference_of;
    std::vector<size_t> rows;                 // index into rows_
    std::map<size_t, size_t> local;           // trajectory → its reference's row in `references`
    void Add(size_t trajectory, const std::vector<float>& reference, const store::EmbeddingScan::Row& v, size_t row) {
      auto [it, added] = local.try_emplace(trajectory, local.size());
      if (added) references.insert(references.end(), reference.begin(), reference.end());
      reference_of.push_back(it->second);
      const size_t at = vectors.size();
      vectors.resize(at + v.size());  // capacity kept across batches: no reallocation after the first
      v.CopyTo(vectors.data() + at);
      rows.push_back(row);
    }
  };

  Status Flush(size_t dim, Batch& b) {
    if (b.rows.empty()) return Status::Ok();
    PANIC_ASSIGN_OR_RETURN(auto drift, analysis::SemanticDrift(b.vectors, dim, b.references, b.reference_of,
                                                               o_.threads));
    for (size_t k = 0; k < b.rows.size(); ++k) rows_[b.rows[k]].drift = drift[k];
    b.vectors.clear();
    b.references.clear();
    b.reference_of.clear();
    b.rows.clear();
    b.local.clear();
    return CheckCancel(o_);
  }

  const std::string& exp_;
  const ExperimentRuns& runs_;
  const TidyOptions& o_;
  store::EmbeddingScan scan_;
  std::vector<Trajectory> trajectories_;  // run × models + model
  std::vector<DriftRow> rows_;
  std::map<size_t, Batch> batches_;  // by dimension
};

}  // namespace

Status WriteDriftTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                       TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("drift", {{"experiment_id", S}, {"run_id", S}, {"invocation_id", S},
                                             {"sequence_number", I}, {"embedding_model", S}, {"network", S},
                                             {"image_model", S}, {"text_model", S}, {"initial_prompt", S},
                                             {"reference", S}, {"semantic_drift", D}}));
  if (Status scan = InRead(db, [&](SqliteDb& c) -> Status {
    for (const auto& exp : experiments) {
      PANIC_ASSIGN_OR_RETURN(ExperimentRuns runs, LoadRuns(c, exp));
      DriftOfExperiment drift(exp, runs, o);
      PANIC_RETURN_IF_ERROR(drift.Compute(c));
      PANIC_RETURN_IF_ERROR(drift.Write(sink));
    }
    return Status::Ok();
  }); !scan.ok()) return scan;
  return sink.End();
}

namespace {

Status ForEachLyapunov(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                       const std::function<Status(const RunInfo*, const store::LyapunovRecord&)>& fn) {
  return InRead(db, [&](SqliteDb& c) -> Status {
    for (const auto& exp : experiments) {
      PANIC_ASSIGN_OR_RETURN(ExperimentRuns runs, LoadRuns(c, exp));
      PANIC_ASSIGN_OR_RETURN(auto results, store::lyapunov::List(c, exp));
      for (const auto& r : results) {
        if (!ModelWanted(o, r.embedding_model)) continue;
        const RunInfo* any = nullptr;  // a run of the network, for its image and text model
        for (const auto& run : runs.runs) {
          if (run.run.network == r.network) any = &run;
        }
        PANIC_RETURN_IF_ERROR(fn(any, r));
      }
    }
    return Status::Ok();
  });
}

}  // namespace

Status WriteLyapunovTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                          TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin(
      "lyapunov", {{"experiment_id", S}, {"network", S}, {"image_model", S}, {"text_model", S},
                   {"initial_prompt", S}, {"other_prompt", S}, {"embedding_model", S}, {"num_runs", I},
                   {"num_pairs", I}, {"num_timesteps", I}, {"exponent", D}, {"intercept", D}, {"r_squared", D},
                   {"bounded_status", S}, {"d_inf", D}, {"d0", D}, {"tau", D}, {"bounded_r_squared", D}}));
  if (Status scan = ForEachLyapunov(db, experiments, o, [&](const RunInfo* run, const store::LyapunovRecord& r) {
    return sink.Add({r.experiment_id, NetworkName(r.network), run ? Str(run->image_model) : Cell(),
                     run ? Str(run->text_model) : Cell(), r.initial_prompt, Str(r.other_prompt), r.embedding_model,
                     r.num_runs, r.num_pairs, r.num_timesteps, r.exponent, r.intercept, r.r_squared,
                     r.bounded_status, r.d_inf, r.d0, r.tau, r.bounded_r_squared});
  }); !scan.ok()) return scan;
  return sink.End();
}

Status WriteLyapunovCurveTable(store::Database& db, const std::vector<std::string>& experiments,
                               const TidyOptions& o, TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("lyapunov_curves", {{"experiment_id", S}, {"network", S}, {"initial_prompt", S},
                                                       {"other_prompt", S}, {"embedding_model", S},
                                                       {"timestep", I}, {"divergence", D}}));
  if (Status scan = ForEachLyapunov(db, experiments, o, [&](const RunInfo*, const store::LyapunovRecord& r) {
    for (size_t t = 0; t < r.curve.size(); ++t) {
      PANIC_RETURN_IF_ERROR(sink.Add({r.experiment_id, NetworkName(r.network), r.initial_prompt, Str(r.other_prompt),
                                      r.embedding_model, static_cast<int64_t>(t), r.curve[t]}));
    }
    return Status::Ok();
  }); !scan.ok()) return scan;
  return sink.End();
}

Status WriteRunsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions&,
                      TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("runs", {{"experiment_id", S}, {"run_id", S}, {"run_number", I}, {"network", S},
                                            {"image_model", S}, {"text_model", S}, {"initial_prompt", S},
                                            {"seed", I}, {"max_length", I}, {"length", I}, {"stop_reason", S},
                                            {"loop_length", I}, {"error", S}, {"completed_at", S}}));
  if (Status scan = InRead(db, [&](SqliteDb& c) -> Status {
    for (const auto& exp : experiments) {
      PANIC_ASSIGN_OR_RETURN(ExperimentRuns runs, LoadRuns(c, exp));
      PANIC_ASSIGN_OR_RETURN(auto lengths, store::invocations::CountsByRun(c, exp));
      for (const auto& r : runs.runs) {
        auto n = lengths.find(r.run.id);
        PANIC_RETURN_IF_ERROR(sink.Add({exp, r.run.id, r.run.run_number, r.network, Str(r.image_model),
                                        Str(r.text_model), r.run.initial_prompt, r.run.seed, r.run.max_length,
                                        n == lengths.end() ? int64_t{0} : n->second, Opt(r.run.stop_reason),
                                        Opt(r.run.loop_length), Opt(r.run.error), Opt(r.run.completed_at)}));
      }
    }
    return Status::Ok();
  }); !scan.ok()) return scan;
  return sink.End();
}

Status WriteDurationsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                           TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("durations", {{"model", S}, {"invocations", I}, {"missing", I}, {"mean_s", D},
                                                 {"median_s", D}, {"p95_s", D}, {"min_s", D}, {"max_s", D},
                                                 {"total_s", D}}));
  std::vector<analysis::InvocationTiming> timings;
  if (Status scan = InRead(db, [&](SqliteDb& c) -> Status {
    for (const auto& exp : experiments) {
      if (Status trajectories = store::analysis_reads::ForEachInvocation(c, exp, [&](const store::InvocationRecord& i) {
        auto a = ParseIsoMicros(i.started_at), b = ParseIsoMicros(i.completed_at);
        // Invocations of one batch share their times: each gets the batch's duration.
        const double s = a.ok() && b.ok() ? (*b - *a) / 1e6 : std::numeric_limits<double>::quiet_NaN();
        timings.push_back({i.model, s});
        return CheckCancel(o);
      }); !trajectories.ok()) return trajectories;
    }
    return Status::Ok();
  }); !scan.ok()) return scan;
  for (const auto& d : analysis::SummarizeDurations(timings)) {
    PANIC_RETURN_IF_ERROR(sink.Add({d.model, static_cast<int64_t>(d.seconds.count + d.missing),
                                    static_cast<int64_t>(d.missing), d.seconds.mean, d.seconds.median, d.seconds.p95,
                                    d.seconds.min, d.seconds.max, d.seconds.total}));
  }
  return sink.End();
}

Status WriteChangePointsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                              TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("changepoints", {{"experiment_id", S}, {"run_id", S}, {"embedding_model", S},
                                                    {"network", S}, {"initial_prompt", S}, {"num_points", I},
                                                    {"penalty", D}, {"change_point", I}, {"sequence_number", I}}));
  analysis::KernelCpdOptions cpd;
  cpd.penalty = o.penalty;
  if (Status scan = InRead(db, [&](SqliteDb& c) -> Status {
    for (const auto& exp : experiments) {
      PANIC_ASSIGN_OR_RETURN(ExperimentRuns runs, LoadRuns(c, exp));
      if (Status trajectories = ForEachTrajectory(c, exp, o, [&](const std::string& run_id, const std::string& model,
                                                              store::OutputType,
                                                              std::span<const store::TrajectoryPoint> points) {
        const RunInfo* run = runs.Find(run_id);
        size_t dim = 0;
        PANIC_ASSIGN_OR_RETURN(std::vector<float> flat, Flatten(points, dim));
        PANIC_ASSIGN_OR_RETURN(analysis::ChangePoints cp, analysis::DetectChangePoints(flat, dim, cpd));
        for (size_t k : cp.change_points) {
          PANIC_RETURN_IF_ERROR(sink.Add({exp, run_id, model, run ? run->network : "", run ? run->run.initial_prompt : "",
                                          static_cast<int64_t>(points.size()), cp.penalty, static_cast<int64_t>(k),
                                          points[k].sequence_number}));
        }
        return Status::Ok();
      }); !trajectories.ok()) return trajectories;
    }
    return Status::Ok();
  }); !scan.ok()) return scan;
  return sink.End();
}

namespace {

// The label sequences of a clustering result, grouped per network, restricted to the given
// experiments (all of the clustering's when empty).
struct LabelledRun {
  std::string experiment_id;
  const RunInfo* run = nullptr;
  std::vector<int64_t> labels;
  std::vector<int64_t> sequence;  // the step of each label
};
struct ClusteringData {
  store::analysis_reads::ClusteringInfo info;
  std::map<std::string, ExperimentRuns> experiments;
  std::vector<LabelledRun> runs;  // by experiment, run number
};

Result<ClusteringData> LoadClustering(SqliteDb& c, const std::vector<std::string>& experiments, const TidyOptions& o) {
  if (o.clustering_id.empty()) return Status::InvalidArgument("--clustering: a clustering result is needed");
  ClusteringData out;
  PANIC_ASSIGN_OR_RETURN(out.info, store::analysis_reads::GetClustering(c, o.clustering_id));
  if (o.model && *o.model != out.info.embedding_model) {
    return Status::InvalidArgument("--model " + *o.model + ": clustering result " + out.info.id + " is of " +
                                   out.info.embedding_model);
  }
  PANIC_ASSIGN_OR_RETURN(auto labels, store::analysis_reads::ListLabels(c, out.info.id));
  const std::set<std::string> wanted(experiments.begin(), experiments.end());
  for (const auto& l : labels) {
    if (!wanted.empty() && !wanted.count(l.experiment_id)) continue;
    auto e = out.experiments.find(l.experiment_id);
    if (e == out.experiments.end()) {
      PANIC_ASSIGN_OR_RETURN(ExperimentRuns runs, LoadRuns(c, l.experiment_id));
      e = out.experiments.emplace(l.experiment_id, std::move(runs)).first;
    }
    if (out.runs.empty() || out.runs.back().run->run.id != l.run_id) {
      out.runs.push_back({l.experiment_id, e->second.Find(l.run_id), {}, {}});
      if (!out.runs.back().run) return Status::Internal("run " + l.run_id + " not found");
    }
    out.runs.back().labels.push_back(l.cluster_label);
    out.runs.back().sequence.push_back(l.sequence_number);
  }
  if (!wanted.empty() && out.runs.empty()) {
    Note(o, "clustering result " + out.info.id + " has no labels for the experiments given");
  }
  return out;
}

// network → its runs' label sequences.
std::map<std::string, std::vector<analysis::LabelSequence>> ByNetwork(const ClusteringData& d) {
  std::map<std::string, std::vector<analysis::LabelSequence>> out;
  for (const auto& r : d.runs) out[r.run->network].push_back(r.labels);
  return out;
}

}  // namespace

Status WriteTransitionsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                             TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("transitions", {{"clustering_result_id", S}, {"embedding_model", S},
                                                   {"network", S}, {"from_cluster", I}, {"to_cluster", I},
                                                   {"count", I}, {"probability", D}}));
  if (Status scan = InRead(db, [&](SqliteDb& c) -> Status {
    PANIC_ASSIGN_OR_RETURN(ClusteringData d, LoadClustering(c, experiments, o));
    for (const auto& [network, seqs] : ByNetwork(d)) {
      auto bigrams = analysis::CountBigrams(std::span<const analysis::LabelSequence>(seqs), o.outliers,
                                            o.self_transitions);
      std::map<int64_t, uint64_t> exits;
      for (const auto& b : bigrams) exits[b.from] += b.count;
      for (const auto& b : bigrams) {
        PANIC_RETURN_IF_ERROR(sink.Add({d.info.id, d.info.embedding_model, network, b.from, b.to,
                                        static_cast<int64_t>(b.count),
                                        static_cast<double>(b.count) / static_cast<double>(exits[b.from])}));
      }
    }
    return Status::Ok();
  }); !scan.ok()) return scan;
  return sink.End();
}

Status WriteChainTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                       TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin(
      "chain", {{"clustering_result_id", S}, {"embedding_model", S}, {"network", S}, {"cluster_label", I},
                {"visits", I}, {"initial", D}, {"stationary", D}, {"absorbing", I}, {"transient", I},
                {"closed_class", I}, {"closed_class_period", I}, {"stationary_unique", I},
                {"second_eigenvalue_modulus", D}, {"spectral_gap", D}, {"relaxation_time", D},
                {"implied_timescale", D}, {"runs", I}, {"share_returned", D}}));
  if (Status scan = InRead(db, [&](SqliteDb& c) -> Status {
    PANIC_ASSIGN_OR_RETURN(ClusteringData d, LoadClustering(c, experiments, o));
    for (const auto& [network, seqs] : ByNetwork(d)) {
      analysis::ChainOptions co;
      co.outliers = o.outliers;
      co.self_transitions = o.self_transitions;
      PANIC_ASSIGN_OR_RETURN(analysis::MarkovChain m,
                             analysis::EstimateMarkovChain(std::span<const analysis::LabelSequence>(seqs), co));
      auto returns = analysis::SummarizeInitialReturns(std::span<const analysis::LabelSequence>(seqs), o.outliers);
      for (size_t i = 0; i < m.size(); ++i) {
        const int64_t label = m.states[i];
        Cell klass, period;
        for (size_t k = 0; k < m.closed_classes.size(); ++k) {
          const auto& members = m.closed_classes[k].labels;
          if (std::find(members.begin(), members.end(), label) != members.end()) {
            klass = static_cast<int64_t>(k);
            period = static_cast<int64_t>(m.closed_classes[k].period);
          }
        }
        auto in = [&](const std::vector<int64_t>& v) {
          return static_cast<int64_t>(std::find(v.begin(), v.end(), label) != v.end());
        };
        PANIC_RETURN_IF_ERROR(sink.Add({d.info.id, d.info.embedding_model, network, label,
                                        static_cast<int64_t>(m.visits[i]), m.initial[i], m.stationary[i],
                                        in(m.absorbing_states), in(m.transient_states), klass, period,
                                        static_cast<int64_t>(m.stationary_unique), m.second_eigenvalue_modulus,
                                        m.spectral_gap, m.relaxation_time, m.implied_timescale,
                                        static_cast<int64_t>(returns.runs), returns.share_returned}));
      }
    }
    return Status::Ok();
  }); !scan.ok()) return scan;
  return sink.End();
}

Status WriteRunLengthsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                            TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("runlengths", {{"clustering_result_id", S}, {"experiment_id", S}, {"run_id", S},
                                                  {"embedding_model", S}, {"network", S}, {"initial_prompt", S},
                                                  {"cluster_label", I}, {"start_sequence_number", I},
                                                  {"run_length", I}}));
  if (Status scan = InRead(db, [&](SqliteDb& c) -> Status {
    PANIC_ASSIGN_OR_RETURN(ClusteringData d, LoadClustering(c, experiments, o));
    for (const auto& r : d.runs) {
      for (const auto& lr : analysis::RunLengths(r.labels, o.outliers)) {
        PANIC_RETURN_IF_ERROR(sink.Add({d.info.id, r.experiment_id, r.run->run.id, d.info.embedding_model,
                                        r.run->network, r.run->run.initial_prompt, lr.label,
                                        r.sequence[lr.start], static_cast<int64_t>(lr.length)}));
      }
    }
    return Status::Ok();
  }); !scan.ok()) return scan;
  return sink.End();
}

namespace {

struct StoredDiagram {
  std::string experiment_id;
  const RunInfo* run = nullptr;
  std::string model;
  store::DiagramWithEntropy diagram;
};

// The stored diagrams (with data) of the experiments under the wanted models, by
// experiment, run number, model. A failed diagram is skipped.
Status ForEachDiagram(SqliteDb& c, const std::vector<std::string>& experiments, const TidyOptions& o,
                      const std::function<Status(const StoredDiagram&)>& fn) {
  for (const auto& exp : experiments) {
    PANIC_ASSIGN_OR_RETURN(ExperimentRuns runs, LoadRuns(c, exp));
    for (const auto& run : runs.runs) {
      PANIC_RETURN_IF_ERROR(CheckCancel(o));
      PANIC_ASSIGN_OR_RETURN(auto models, store::diagrams::Models(c, run.run.id));
      for (const auto& model : models) {
        if (!ModelWanted(o, model)) continue;
        PANIC_ASSIGN_OR_RETURN(auto record, store::diagrams::Get(c, run.run.id, model));
        if (!record.diagram_data) continue;
        PANIC_ASSIGN_OR_RETURN(auto decoded, store::DecodeStoredDiagram(record));
        PANIC_RETURN_IF_ERROR(fn({exp, &run, model, std::move(decoded)}));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status WriteDistancesTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                           TableSink& sink) {
  if (o.homology_dimension < 0) {
    return Status::InvalidArgument("--dim: " + std::to_string(o.homology_dimension) + " must be ≥ 0");
  }
  PANIC_RETURN_IF_ERROR(sink.Begin("distances", {{"embedding_model", S}, {"homology_dimension", I}, {"metric", S},
                                                 {"experiment_id_a", S}, {"run_id_a", S}, {"experiment_id_b", S},
                                                 {"run_id_b", S}, {"distance", D}}));
  std::vector<std::pair<std::string, std::string>> who;  // (experiment, run) of each diagram
  std::vector<tda::Bars> bars;
  std::set<std::string> models;
  if (Status scan = InRead(db, [&](SqliteDb& c) {
    return ForEachDiagram(c, experiments, o, [&](const StoredDiagram& d) {
      models.insert(d.model);
      who.push_back({d.experiment_id, d.run->run.id});
      bars.push_back(d.diagram.diagram.bars(static_cast<size_t>(o.homology_dimension)));
      return Status::Ok();
    });
  }); !scan.ok()) return scan;
  if (models.size() > 1) {
    std::string list;
    for (const auto& m : models) list += (list.empty() ? "" : ", ") + m;
    return Status::InvalidArgument("--model: the diagrams are of several embedding models (" + list +
                                   "); distances compare one model's diagrams");
  }
  analysis::DiagramDistanceOptions options = o.distance;
  options.threads = o.threads;
  options.cancel = o.cancel;
  PANIC_ASSIGN_OR_RETURN(auto matrix, analysis::ComputeDiagramDistanceMatrix(bars, options));
  const std::string metric = analysis::DiagramMetricName(options);
  for (size_t i = 0; i < matrix.n; ++i) {
    for (size_t j = i + 1; j < matrix.n; ++j) {
      PANIC_RETURN_IF_ERROR(sink.Add({*models.begin(), static_cast<int64_t>(o.homology_dimension), metric,
                                      who[i].first, who[i].second, who[j].first, who[j].second, matrix(i, j)}));
    }
  }
  return sink.End();
}

Status WriteExperimentsTable(store::Database& db, const std::vector<std::string>& experiments, TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("experiments", {{"experiment_id", S}, {"networks", S}, {"seeds", S},
                                                   {"prompts", S}, {"embedding_models", S}, {"max_length", I},
                                                   {"options", S}, {"started_at", S}, {"completed_at", S},
                                                   {"created_at", S}, {"updated_at", S}}));
  if (Status scan = InRead(db, [&](SqliteDb& c) -> Status {
    for (const auto& exp : experiments) {
      PANIC_ASSIGN_OR_RETURN(auto e, store::experiments::Get(c, exp));
      PANIC_RETURN_IF_ERROR(sink.Add({e.id, nlohmann::json(e.networks).dump(), nlohmann::json(e.seeds).dump(),
                                      nlohmann::json(e.prompts).dump(), nlohmann::json(e.embedding_models).dump(),
                                      e.max_length, e.options_json, Opt(e.started_at), Opt(e.completed_at),
                                      e.created_at, e.updated_at}));
    }
    return Status::Ok();
  }); !scan.ok()) return scan;
  return sink.End();
}

Status WriteInvocationsTable(store::Database& db, const std::vector<std::string>& experiments, TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("invocations", {{"invocation_id", S}, {"experiment_id", S}, {"run_id", S},
                                                   {"sequence_number", I}, {"model", S}, {"type", S}, {"seed", I},
                                                   {"input_invocation_id", S}, {"output_text", S},
                                                   {"started_at", S}, {"completed_at", S}, {"batch_size", I},
                                                   {"batch_position", I}}));
  if (Status scan = InRead(db, [&](SqliteDb& c) -> Status {
    for (const auto& exp : experiments) {
      if (Status trajectories = store::analysis_reads::ForEachInvocation(c, exp, [&](const store::InvocationRecord& i) {
        const bool text = i.type == store::OutputType::kText;
        return sink.Add({i.id, exp, i.run_id, i.sequence_number, i.model, std::string(text ? "text" : "image"), i.seed,
                         Opt(i.input_invocation_id), text ? Cell(i.output_text) : Cell(), i.started_at,
                         i.completed_at, Opt(i.batch_size), Opt(i.batch_position)});
      }); !trajectories.ok()) return trajectories;
    }
    return Status::Ok();
  }); !scan.ok()) return scan;
  return sink.End();
}

Status WriteEmbeddingsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                            TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("embeddings", {{"embedding_id", S}, {"experiment_id", S}, {"run_id", S},
                                                  {"invocation_id", S}, {"sequence_number", I},
                                                  {"embedding_model", S}, {"vector", F}}));
  // One row reused from embedding to embedding: assigning a cell of the same kind reuses
  // its string or vector buffer, so the scan allocates nothing per row.
  Row row(7);
  if (Status scan = InRead(db, [&](SqliteDb& c) -> Status {
    for (const auto& exp : experiments) {
      row[1] = exp;
      if (Status trajectories = store::analysis_reads::ForEachEmbedding(c, exp, o.model, [&](const store::TrajectoryPoint& p) {
        row[0] = p.embedding_id;
        row[2] = p.run_id;
        row[3] = p.invocation_id;
        row[4] = p.sequence_number;
        row[5] = p.embedding_model;
        row[6] = p.vector;
        return sink.Add(row);
      }); !trajectories.ok()) return trajectories;
    }
    return Status::Ok();
  }); !scan.ok()) return scan;
  return sink.End();
}

Status WriteDiagramsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                          TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("diagrams", {{"experiment_id", S}, {"run_id", S}, {"embedding_model", S},
                                                {"network", S}, {"initial_prompt", S}, {"homology_dimension", I},
                                                {"birth", D}, {"death", D}, {"persistence", D}}));
  if (Status scan = InRead(db, [&](SqliteDb& c) {
    return ForEachDiagram(c, experiments, o, [&](const StoredDiagram& d) -> Status {
      for (size_t dim = 0; dim < d.diagram.diagram.num_dimensions(); ++dim) {
        for (const auto& b : d.diagram.diagram.bars(dim)) {
          PANIC_RETURN_IF_ERROR(sink.Add({d.experiment_id, d.run->run.id, d.model, d.run->network,
                                          d.run->run.initial_prompt, static_cast<int64_t>(dim),
                                          static_cast<double>(b.birth), static_cast<double>(b.death),
                                          static_cast<double>(b.Persistence())}));
        }
      }
      return Status::Ok();
    });
  }); !scan.ok()) return scan;
  return sink.End();
}

Status WriteEntropyTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                         TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("entropy", {{"experiment_id", S}, {"run_id", S}, {"embedding_model", S},
                                               {"network", S}, {"initial_prompt", S}, {"homology_dimension", I},
                                               {"entropy", D}}));
  if (Status scan = InRead(db, [&](SqliteDb& c) {
    return ForEachDiagram(c, experiments, o, [&](const StoredDiagram& d) -> Status {
      for (size_t dim = 0; dim < d.diagram.entropy.size(); ++dim) {
        PANIC_RETURN_IF_ERROR(sink.Add({d.experiment_id, d.run->run.id, d.model, d.run->network,
                                        d.run->run.initial_prompt, static_cast<int64_t>(dim),
                                        static_cast<double>(d.diagram.entropy[dim])}));
      }
      return Status::Ok();
    });
  }); !scan.ok()) return scan;
  return sink.End();
}

Status WriteClustersTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                          TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("clusters", {{"clustering_result_id", S}, {"algorithm", S}, {"embedding_model", S},
                                                {"experiment_id", S}, {"run_id", S}, {"embedding_id", S},
                                                {"sequence_number", I}, {"cluster_label", I}}));
  if (Status scan = InRead(db, [&](SqliteDb& c) -> Status {
    PANIC_ASSIGN_OR_RETURN(auto ids, store::analysis_reads::ClusteringsOf(c, experiments));
    for (const auto& id : ids) {
      PANIC_ASSIGN_OR_RETURN(auto info, store::analysis_reads::GetClustering(c, id));
      if (!ModelWanted(o, info.embedding_model)) continue;
      PANIC_ASSIGN_OR_RETURN(auto labels, store::analysis_reads::ListLabels(c, id));
      const std::set<std::string> wanted(experiments.begin(), experiments.end());
      for (const auto& l : labels) {
        if (!wanted.count(l.experiment_id)) continue;
        PANIC_RETURN_IF_ERROR(sink.Add({info.id, info.algorithm, info.embedding_model, l.experiment_id, l.run_id,
                                        l.embedding_id, l.sequence_number, l.cluster_label}));
      }
    }
    return Status::Ok();
  }); !scan.ok()) return scan;
  return sink.End();
}

}  // namespace panic::exporting
