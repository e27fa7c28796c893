// Per-run facts that the engine's one definition of "done" (engine/completion.h) is
// computed from: outputs per run by type, and per embedding model the vectors a run has
// and the state of its diagram (with what the diagram was computed from).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/records.h"

namespace panic::store {

class SqliteDb;

struct RunOutputStats {
  std::string run_id;
  int64_t text = 0;
  int64_t image = 0;
  int64_t last_sequence = -1;  // the run's last step; -1 without invocations
};

// Every run of the experiment that has invocations, by run id.
Result<std::map<std::string, RunOutputStats>> RunOutputStatsByRun(SqliteDb& db, const std::string& experiment_id);

struct RunModelStats {
  int64_t embeddings = 0;               // vectors of the run under the model
  int64_t last_embedded_sequence = -1;  // the step of its last vector
  bool has_diagram = false;             // a diagram row exists (data or error)
  bool diagram_failed = false;          // the row holds an error
  std::optional<int64_t> diagram_point_count;     // what it was computed from;
  std::optional<int64_t> diagram_last_sequence;   // NULL (unknown) for rows of older versions
};

// run id → stats under `model`, for the runs of the experiment with vectors or a diagram.
Result<std::map<std::string, RunModelStats>> RunModelStatsByRun(SqliteDb& db, const std::string& experiment_id,
                                                                const std::string& model);

// A run's vectors under a model in step order, with the step of the last one: the points
// of its diagram and their provenance.
struct RunTrajectory {
  std::vector<std::vector<float>> vectors;
  int64_t last_sequence = -1;
};
Result<RunTrajectory> LoadRunTrajectory(SqliteDb& db, const std::string& run_id, const std::string& model);

// Whether persistence_diagrams has the provenance columns (point_count,
// last_sequence_number) of schema migration 2.
Result<bool> DiagramsHaveProvenance(SqliteDb& db);

}  // namespace panic::store
