// Small helpers shared by the command files: opening the store, resolving ids,
// printing tables and JSON.
#pragma once

#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "panic/cli/command.h"
#include "panic/store/database.h"
#include "panic/store/records.h"
#include "panic/engine/json_shapes.h"

namespace panic::cli {

// NotFound when ctx.db_path is an empty file (zero bytes, or SQLite without tables), which a
// writer would make ours: for commands that only change what the database holds.
Status RefuseEmptyDatabase(const Context& ctx);

// Opens the database of ctx.db_path (kWrite / kReadOnly: NotFound when there is none, and
// kWrite also when it is empty: RefuseEmptyDatabase), adding to the store's errors what the
// user can do about them. kCreate makes a missing or empty file a database.
Result<std::unique_ptr<store::Database>> OpenDatabase(const Context& ctx, store::OpenMode mode,
                                                      store::Durability durability = store::Durability::kFull);

// An open database and the full id an argument resolved to: an id, a unique prefix or
// "latest"; for runs also EXP#N (cli/run_reference.h).
struct OpenedEntity {
  std::unique_ptr<store::Database> db;
  std::string id;
};
// For writing (the database is migrated), or with the mode given (readers: kReadOnly).
Result<OpenedEntity> OpenExperiment(const Context& ctx, const std::string& id_or_prefix,
                                    store::Durability durability = store::Durability::kFull);
Result<OpenedEntity> OpenExperiment(const Context& ctx, const std::string& id_or_prefix, store::OpenMode mode,
                                    store::Durability durability = store::Durability::kFull);
Result<OpenedEntity> OpenRun(const Context& ctx, const std::string& id_or_prefix);

// Prints rows as aligned columns under a header.
void PrintTable(std::ostream& os, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

void PrintJson(Context& ctx, const nlohmann::json& value);

// The question before a deletion: without --yes, asks "<question>? [y/N]" on stderr and
// reads the answer from standard input. nullopt: go on. Otherwise the exit code to return:
// kExitOk when declined (an answer, not an error), kExitUsage when no answer can be read
// (standard input closed or not a terminal).
std::optional<int> ConfirmDeletion(const ParsedArgs& args, Context& ctx, const std::string& question);

using engine::ExperimentToJson;  // engine/json_shapes.h: shared with the dashboard's API
using engine::RunToJson;

}  // namespace panic::cli
