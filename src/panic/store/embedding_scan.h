// A bulk read of one experiment's embeddings in the embeddings table's physical (rowid)
// order, for analyses that read every vector once (drift over 1M embeddings, issue 12).
//
// analysis_reads::ForEachEmbedding hands rows over in trajectory order, but gets them by
// seeking one row at a time along two indexes; when runs were written interleaved (the
// pipeline writes a batch of runs step by step) each seek lands on another page of the
// whole file. This scan instead
//   1. reads every invocation once (id, run, step, type: a full scan of the table's small
//      leading columns) into an in-memory index of the experiment's invocations;
//   2. reads the (invocation_id, embedding_model) index once to find the rowids of the
//      experiment's embeddings (and each (run, model) trajectory's first point);
//   3. reads those rows' vectors in rowid order, one range scan per stretch of rowids.
// Rows come in no trajectory order: callers reorder them (run index, model index and
// sequence number give the order ForEachEmbedding has). Steps 1–2 read every invocation
// and every embedding's index entry of the database (≈ 0.2 s per million each); step 3
// reads only the vectors of the experiment's rowid stretches.
//
// Consistency: call within one read transaction (Database::Read): the three steps then see
// one snapshot, whatever a concurrent writer commits meanwhile.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/records.h"

namespace panic::store {

class SqliteDb;

class EmbeddingScan {
 public:
  // One embedding as the scan hands it over, its vector still in SQLite's page (valid during
  // the callback only): the caller copies it once, to where it needs it.
  struct Row {
    uint32_t run = 0;         // index into run_ids()
    uint32_t model = 0;       // index into models()
    uint32_t invocation = 0;  // for invocation_id()
    int64_t sequence_number = 0;
    std::string_view blob;  // checked: a whole number of float32 (vector_codec.h)

    size_t size() const { return blob.size() / sizeof(float); }  // the vector's dimension
    void CopyTo(float* out) const;                               // size() values
    std::vector<float> Vector() const;
  };
  // The first point (smallest sequence number) of one (run, model) trajectory.
  struct First {
    bool present = false;  // false: the run has no embedding under the model
    int64_t sequence_number = 0;
    OutputType type = OutputType::kText;  // of the embedded output
    int64_t rowid = 0;                    // of its embeddings row (for FirstVector)
    int64_t count = 0;                    // embeddings in the trajectory
  };

  // Steps 1–2 for the experiment's embeddings (under `model` when given).
  static Result<EmbeddingScan> Prepare(SqliteDb& db, const std::string& experiment_id,
                                       const std::optional<std::string>& model);

  const std::vector<std::string>& run_ids() const { return run_ids_; }  // by run number
  const std::vector<std::string>& models() const { return models_; }    // by name
  size_t size() const { return wanted_.size(); }                        // embeddings to read
  std::string_view invocation_id(uint32_t invocation) const;
  const First& first(uint32_t run, uint32_t model) const { return first_[run * models_.size() + model]; }
  // The vector of a trajectory's first point (one seek).
  Result<std::vector<float>> FirstVector(SqliteDb& db, uint32_t run, uint32_t model) const;

  // Step 3: fn for each embedding, in rowid order. A non-OK status from fn stops the scan and
  // is returned; a damaged vector is Corruption naming its embeddings row.
  Status ForEach(SqliteDb& db, const std::function<Status(const Row&)>& fn) const;

 private:
  struct Invocation {
    uint32_t run;
    OutputType type;
    int64_t sequence_number;
    uint64_t id_offset;  // into ids_
    uint32_t id_size;
  };
  struct Wanted {
    int64_t rowid;
    uint32_t invocation;
    uint32_t model;
  };
  std::vector<std::string> run_ids_;
  std::vector<std::string> models_;
  std::string ids_;  // the invocation ids, back to back
  std::vector<Invocation> invocations_;
  std::vector<Wanted> wanted_;  // by rowid
  std::vector<First> first_;    // run × model
};

}  // namespace panic::store
