// Writing a persistence diagram together with what it was computed from.
#pragma once

#include "panic/core/status.h"
#include "panic/store/database.h"
#include "panic/store/records.h"

namespace panic::store {

// What a diagram was computed from: the number of points (vectors) and the step of the
// last one. A diagram whose run's trajectory no longer matches is stale.
struct DiagramProvenance {
  int64_t point_count = 0;
  int64_t last_sequence_number = -1;
};

struct DiagramWrite {
  PersistenceDiagramRecord record;
  DiagramProvenance provenance;
};

// One transaction: each diagram replaces any earlier row of the same run and model
// (failed or stale). The provenance and record.approximation_epsilon are stored where the
// schema has their columns (migration 2); before it every diagram is exact.
Status ReplaceDiagrams(Database& db, const std::vector<DiagramWrite>& diagrams);

}  // namespace panic::store
