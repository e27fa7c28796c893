// The drift table (semantic drift of every embedding from its run's reference) — tidy_tables.h.
#include <algorithm>
#include <limits>
#include <map>

#include "panic/analysis/semantic_drift.h"
#include "panic/export/tidy_common.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/embedding_scan.h"

namespace panic::exporting {

using namespace tidy;
using store::SqliteDb;

namespace {

// Drift of an experiment's embeddings, read in the table's physical order
// (store::EmbeddingScan: no seek per row) and put back in trajectory order at the end.
// The values are those of computing each (run, model) trajectory in turn: every row's drift
// depends only on its vector and its trajectory's reference, and it is computed by the same
// function (analysis::SemanticDrift) on batches of rows of one dimension.
class DriftOfExperiment {
 public:
  DriftOfExperiment(const ExperimentRuns& runs, const TidyOptions& o)
      : exp_(runs.experiment_id), runs_(runs), o_(o) {}

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
  return WriteTable(db, sink, "drift",
                    {{"experiment_id", S}, {"run_id", S}, {"invocation_id", S}, {"sequence_number", I},
                     {"embedding_model", S}, {"network", S}, {"image_model", S}, {"text_model", S},
                     {"initial_prompt", S}, {"reference", S}, {"semantic_drift", D}},
                    [&](SqliteDb& c) {
                      return ForEachExperimentRuns(c, experiments, [&](const ExperimentRuns& runs) -> Status {
                        DriftOfExperiment drift(runs, o);
                        PANIC_RETURN_IF_ERROR(drift.Compute(c));
                        return drift.Write(sink);
                      });
                    });
}

}  // namespace panic::exporting
