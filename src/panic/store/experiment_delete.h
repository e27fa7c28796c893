// Deleting a whole experiment with everything it owns (issue 9 §1: any size, crash safe).
#pragma once

#include <string>

#include "panic/core/status.h"

namespace panic::store {

class Database;

// Deletes the experiment, its runs, invocations, embeddings, diagrams, clustering results
// and its (stale) writer lease, in one write transaction: a crash leaves either all of it or
// none. NotFound if absent; IOError naming the holder while a writer's lease on it is live.
// Sets connection pragmas for the duration (cache, temp store, secure_delete; see the .cpp)
// and restores them afterwards.
Status DeleteExperiment(Database& db, const std::string& id);

// Whether DeleteExperiment deletes by its explicit set-based cascade (true for every schema
// this program writes) or, for a schema shape it does not handle (a multi-column or SET
// DEFAULT foreign key, a cycle of cascades, a trigger, a WITHOUT ROWID table), through
// SQLite's own foreign-key actions, row by row. Both leave the same rows.
Result<bool> DeletesByExplicitCascade(Database& db);

}  // namespace panic::store
