#include "panic/cli/cli_common.h"

#include <algorithm>
#include <iostream>
#include <ostream>

#include "panic/cli/run_reference.h"
#include "panic/store/database_file.h"
#include "panic/store/experiments_table.h"

namespace panic::cli {

namespace {

// The store says what is wrong with the file; the advice on what to do is the CLI's.
Status WithAdvice(const Context& ctx, const Status& error) {
  auto inspection = store::InspectDatabase(ctx.db_path);
  if (!inspection.ok()) return error;
  switch (inspection->origin) {
    case store::DatabaseOrigin::kMissing:
      if (error.code() != StatusCode::kNotFound) break;
      return Status::NotFound(error.message() + " (use --db PATH or set PANIC_TDA_DB)");
    case store::DatabaseOrigin::kPythonEra:
      return Status::InvalidArgument(error.message() + "; to use its data, import it with `panic-tda import python " +
                                     ctx.db_path + "`");
    case store::DatabaseOrigin::kElixirEra:
      return Status::InvalidArgument(error.message() + "; to use its data, import it with `panic-tda import elixir " +
                                     ctx.db_path + "`");
    case store::DatabaseOrigin::kUnknown:
    case store::DatabaseOrigin::kNotSqlite:
      return Status::InvalidArgument(error.message() + "; give panic-tda its own file with --db PATH");
    default:
      break;
  }
  return error;
}

}  // namespace

Status RefuseEmptyDatabase(const Context& ctx) {
  auto inspection = store::InspectDatabase(ctx.db_path);
  if (inspection.ok() && inspection->origin == store::DatabaseOrigin::kEmpty) {
    return Status::NotFound("database '" + ctx.db_path + "' is empty: it has no experiments yet");
  }
  return Status::Ok();
}

Result<std::unique_ptr<store::Database>> OpenDatabase(const Context& ctx, store::OpenMode mode,
                                                      store::Durability durability) {
  // The store makes an empty file ours for any writer; a command that only changes what is
  // there refuses it first, so that its error leaves the file as it was.
  if (mode == store::OpenMode::kWrite) PANIC_RETURN_IF_ERROR(RefuseEmptyDatabase(ctx));
  auto opened = store::Database::Open(ctx.db_path, mode, durability);
  if (!opened.ok()) return WithAdvice(ctx, opened.status());
  return opened;
}

Result<OpenedEntity> OpenExperiment(const Context& ctx, const std::string& id_or_prefix,
                                    store::Durability durability) {
  return OpenExperiment(ctx, id_or_prefix, store::OpenMode::kWrite, durability);
}

Result<OpenedEntity> OpenExperiment(const Context& ctx, const std::string& id_or_prefix, store::OpenMode mode,
                                    store::Durability durability) {
  PANIC_ASSIGN_OR_RETURN(auto db, OpenDatabase(ctx, mode, durability));
  PANIC_ASSIGN_OR_RETURN(std::string id, store::experiments::ResolveId(db->connection(), id_or_prefix));
  return OpenedEntity{std::move(db), id};
}

Result<OpenedEntity> OpenRun(const Context& ctx, const std::string& id_or_prefix) {
  // Every run command only reads.
  PANIC_ASSIGN_OR_RETURN(auto db, OpenDatabase(ctx, store::OpenMode::kReadOnly));
  PANIC_ASSIGN_OR_RETURN(std::string id, ResolveRunReference(*db, id_or_prefix));
  return OpenedEntity{std::move(db), id};
}

void PrintTable(std::ostream& os, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      std::string cell = row[c];
      if (c + 1 < row.size()) cell.resize(std::max(cell.size(), width[c]) + 2, ' ');
      line += cell;
    }
    os << line << "\n";
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

void PrintJson(Context& ctx, const nlohmann::json& value) { ctx.out << value.dump(2) << "\n"; }

std::optional<int> ConfirmDeletion(const ParsedArgs& args, Context& ctx, const std::string& question) {
  if (args.Has("yes")) return std::nullopt;
  ctx.err << question << "? [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    ctx.err << "\nnot deleted: no answer on standard input (pass --yes to skip this question)\n";
    return kExitUsage;
  }
  if (answer != "y" && answer != "Y" && answer != "yes") {
    ctx.err << "not deleted (pass --yes to skip this question)\n";
    return kExitOk;
  }
  return std::nullopt;
}

}  // namespace panic::cli
