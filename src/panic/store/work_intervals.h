// When an experiment's stored results were computed, for each stage's measured rate
// (engine/stage_rate.h): the distinct (started_at, completed_at) intervals of its rows in
// one table, with the number of rows each covers (the rows of one batched call share one
// interval). Rows without an interval (lyapunov_results has only computed_at) give none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic::store {

class SqliteDb;

struct WorkInterval {
  int64_t start_us = 0;  // microseconds since the epoch
  int64_t end_us = 0;
  int64_t items = 0;     // rows computed in it
};

enum class WorkTable { kInvocations, kEmbeddings, kDiagrams, kPromptEmbeddings };

// Sorted by start. Corruption naming the table when a timestamp cannot be parsed.
Result<std::vector<WorkInterval>> WorkIntervals(SqliteDb& db, const std::string& experiment_id, WorkTable table);

}  // namespace panic::store
