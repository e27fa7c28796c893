// The runs stage (DESIGN.md §3): every run advances from its own last committed
// invocation to its end. Runs of one network advance in lockstep — one batched model
// call per step for all still-active runs of a chunk — and each step's invocations are
// committed in one transaction together with the completions of the runs they end.
//
// Units: one lockstep step of the active chunk (its model batches); the end of a network
// group (models are released: a release point, where following stages may run for the
// group's stopped runs).
//
// Memory is O(chunk), not O(runs): a group's runs are loaded a chunk at a time (kChunkRuns,
// or the largest batch cap of the network's models when that is larger) and each chunk
// advances to its end before the next one is loaded.
//
// With an executor that keeps several units out (`--mpi`), up to
// StageContext::units_in_flight (N) chunks are open at once, each stepping on its own: the
// front group's first, and when it has fewer chunks than N, the next groups' chunks on the
// idle slots at the same time. When a group is done (every run loaded and stopped), no
// new step goes out until the steps out are committed (a drain of one step), then its
// release unit: followers run at its commit with no unit out, as in one process. With a max_batch option for a model of the network, a chunk is one batch cap
// of runs (the largest cap of the network's models): the batches are then the ones one
// process makes (a chunk of cap runs is one call per model) as long as the network's caps
// are equal and no run stops early. Without, a chunk is the group's share of one slot,
// ceil(R / N) runs (at most the models' own cap, or kChunkRuns), so that every rank steps
// runs; the calls are then smaller than one process's. Images are then kept as their
// stored WEBP between steps (also those this process computed), so that they travel
// encoded. A chunk holds one input per run (a 256×256 image is 192 KiB), moved into the
// unit rather than copied.
//
// Invariants that make kill -9 + resume exact:
//  - a run's state is a pure function of its committed invocations (its last output
//    and the loop keys of all its outputs), so resuming rebuilds it from the database;
//  - models see the image as stored (a lossy WEBP setting round-trips it first), so an
//    uninterrupted run and a resumed one feed identical inputs to the next step;
//  - a run that stops (length or duplicate) is marked in the same transaction as its
//    last invocation.
// A failing batched model call is split in halves (bisection) until only the items that
// fail on their own are left; only their runs are marked failed (with the error) and the
// rest of the experiment goes on. Resume reopens failed runs.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "panic/engine/run_state.h"
#include "panic/engine/stage.h"
#include "panic/models/model_options.h"

namespace panic::engine {

// The experiment options the runs stage owns (declared in its StageInfo):
//   loop_detection  "jpeg-q30" (default), "exact" or "off" (loop_key.h)
//   webp_quality    null: lossless WEBP (default); 0..100: lossy at that quality
// It also reads the model registry's max_batch (models/model_options.h) to size its calls.
struct RunsOptions {
  LoopDetection loop_detection = LoopDetection::kJpegQ30;
  std::optional<int> webp_quality;
};
const std::vector<OptionField<RunsOptions>>& RunsOptionFields();

// Runs advanced together (a chunk of a network group), unless a model's batch cap is larger.
inline constexpr size_t kChunkRuns = 256;

// One run's next step, as the model call needs it (plain data).
struct RunStepItem {
  std::string run_id;
  int64_t seed = -1;
  int64_t sequence_number = 0;
  std::optional<std::string> input_invocation_id;
  bool detects_loops = false;
};

// One model call: the items and their inputs (parallel, so a call takes a span of them).
struct RunStepBatch {
  std::string model;
  std::vector<RunStepItem> items;
  std::vector<models::Payload> inputs;
  // Per input (or none at all): an image's stored WEBP when its pixels are not held
  // (RunState::next_input_webp; the input is then an empty image and Execute decodes it).
  std::vector<std::string> encoded_inputs;
};

// A lockstep step (batches), or the completion of runs already at their length, or the
// end of a network group (release).
struct RunStepUnit {
  std::vector<RunStepBatch> batches;
  std::vector<std::string> complete_at_length;
  bool release = false;
  // A release unit placed (by an executor) on a process that holds none of its group's
  // models: Execute keeps that process's models (they are another group's, or the
  // followers'; a backend can only release all at once).
  bool keep_models = false;
  uint64_t chunk = 0;   // the open chunk whose step this is (0: none)
  RunsOptions options;  // how Execute encodes outputs and keys loops, wherever it runs
  // The network group (1, 2, … in plan order) whose step or release this is; 0 for a
  // completion. For the executor's placement only (a rank keeps the group it last ran):
  // it does not travel and Execute does not read it.
  uint64_t group = 0;
};

struct RunStepItemResult {
  std::string run_id;
  std::optional<std::string> error;  // the item failed (on its own)
  store::InvocationRecord record;    // the invocation to store
  std::string loop_key;              // when the run detects loops
  models::Payload output;            // as the next step will see it (an image from another
                                     // rank: empty; record.output_image holds it)
};

struct RunStepOutput {
  std::vector<RunStepItemResult> items;
  std::vector<std::string> complete_at_length;
  bool release = false;
  uint64_t chunk = 0;  // as in the unit
};

// The model call that produced an item: every item of one call shares its start and end;
// batch_size and batch_position (0-based) let a per-item cost be derived from them.
struct ItemCall {
  std::string started_at, completed_at;
  int64_t batch_size = 0;
  int64_t batch_position = 0;
};

// Calls `model` on the items, splitting a failing batch in halves until the failing items
// stand alone; fills one result per item (output and its call, or error). Pure: models only.
void InvokeWithBisection(models::GenAIModel& model, std::span<const RunStepItem> items,
                         std::span<const models::Payload> inputs,
                         std::vector<std::optional<models::Payload>>& outputs, std::vector<ItemCall>& calls,
                         std::vector<std::string>& errors, std::atomic<int64_t>* model_ns);

class RunsStage : public TypedStage<RunStepUnit, RunStepOutput> {
 public:
  const StageInfo& info() const override;
  Result<StagePlan> Plan(StageContext& ctx) override;
  std::vector<StageCount> Count(const ExperimentFacts& facts) const override;
  int64_t Remaining(const ExperimentFacts& facts) const override;
  Result<std::vector<store::WorkInterval>> WorkHistory(store::Database& db, const std::string& experiment_id) const override;

 protected:
  Result<std::optional<RunStepUnit>> Next(StageContext& ctx) override;
  Result<RunStepOutput> Run(const RunStepUnit& unit, ExecuteContext& ctx) override;
  Result<UnitOutcome> Write(StageContext& ctx, RunStepOutput& output) override;
  bool Pending() const override { return pending_; }

 private:
  struct Group {
    std::vector<std::string> network;
    std::vector<store::RunRecord> runs;  // not stopped when planned
    size_t next = 0;                     // first run not loaded yet
    uint64_t id = 0;                     // 1, 2, … in plan order
    bool started = false;                // a chunk was loaded: its release is due at its end
  };
  // Runs of one group advanced together, one step (unit) at a time.
  struct Chunk {
    uint64_t id = 0;
    uint64_t group = 0;
    std::vector<RunState> active;
    std::unordered_map<std::string, size_t> index;  // run id → position in active
    bool out = false;                               // its step is out (not committed yet)
  };
  Status LoadChunk(StageContext& ctx, Group& g, Chunk& chunk, std::vector<std::string>& complete_at_length);
  RunStepUnit StepUnit(const StageContext& ctx, Chunk& chunk);

  RunsOptions options_;               // read in Plan
  models::ModelOptions model_options_;  // read in Plan
  std::deque<Group> groups_;
  // The open chunks: one without an executor; up to StageContext::units_in_flight with one
  // (`--mpi`), of one or several groups in plan order, each with its own step out, so the
  // ranks advance different chunks at once. A chunk closes when its last run stops; a
  // group's release unit comes only when none of its chunks is open and no unit at all is
  // out (draining_ meanwhile), and nothing else goes out while it is out (followers run at
  // its commit with no unit of this stage out).
  std::vector<Chunk> chunks_;
  uint64_t last_chunk_id_ = 0;
  bool draining_ = false;
  bool release_out_ = false;
  size_t completions_out_ = 0;  // units that only complete runs at their length, out
  bool pending_ = false;  // Next's last "no unit" means "not before a commit"
};

}  // namespace panic::engine
