// `export db`: a copy of some experiments of one database into another, with every row
// they own and ids kept, so that the copy is a panic-tda database of its own (it may
// already hold other experiments: the copy is appended).
//
// What is copied for each experiment: its row, runs, invocations, embeddings, persistence
// diagrams, prompt embeddings and Lyapunov results; its own clustering results with their
// labels; and the cross-experiment clustering results (experiment_id NULL) that label any of
// its embeddings, with only the labels of the copied embeddings (scoped to the subset; a
// medoid outside the subset becomes NULL, as a deleted medoid does). Writer leases are not
// copied.
//
// One transaction: the target gets all of it or nothing. Foreign keys are checked before
// commit. An experiment the target already holds is AlreadyExists (nothing copied).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/database.h"

namespace panic::store {

// The read-only file: URI of a path, for ATTACH (RFC 3986 escapes for the characters a URI
// gives meaning; mode=ro or immutable=1 as store/reader_files.h decides). Shared with
// merge_databases.cpp; the caller holds a ReaderFiles of the path until it DETACHes.
std::string ReadOnlyUri(const std::string& path);
// OK when the source database at `path` is ours at the latest schema (export db and db
// merge read only such files); NotFound when there is no file, InvalidArgument naming what
// it is otherwise, and for an older schema what to do: "<action> after migrating it to N".
// Only reads it. Shared with merge_databases.cpp.
Status CheckSourceDatabase(const std::string& path, const std::string& action);
// The columns of a table of the main schema, in declaration order.
Result<std::vector<std::string>> Columns(SqliteDb& db, const std::string& table);

// table → rows copied.
using CopyCounts = std::map<std::string, int64_t>;

// REQUIRES: `target` open for writing (it is migrated to the latest schema); the source,
// at `source_path`, is ours at the latest schema (InvalidArgument otherwise, naming what to
// do) and is only read. `experiment_ids` are full ids of the source.
Result<CopyCounts> CopyExperiments(Database& target, const std::string& source_path,
                                   const std::vector<std::string>& experiment_ids);

}  // namespace panic::store
