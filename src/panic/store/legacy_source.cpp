#include "panic/store/legacy_source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "panic/store/database_file.h"
#include "panic/store/sqlite_db.h"

namespace panic::store {
namespace {

// The Elixir era's final schema is the 7th Ecto migration; a file with more was written by
// a version this description does not cover.
constexpr int64_t kElixirMigrations = 7;

// SQLite's header: the page size (bytes 16–17, big-endian; 1 means 65536) and the size in
// pages (bytes 28–31), valid when the "version-valid-for" number (92–95) equals the change
// counter (24–27). A file shorter than that was truncated (a copy cut short).
Status CheckNotTruncated(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char h[100] = {};
  if (!in.read(reinterpret_cast<char*>(h), sizeof h)) {
    return Status::InvalidArgument("'" + path + "' is shorter than a SQLite header: truncated or not a database");
  }
  auto be32 = [&](int at) {
    return uint64_t{h[at]} << 24 | uint64_t{h[at + 1]} << 16 | uint64_t{h[at + 2]} << 8 | uint64_t{h[at + 3]};
  };
  uint64_t page_size = uint64_t{h[16]} << 8 | h[17];
  if (page_size == 1) page_size = 65536;
  const uint64_t pages = be32(28);
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return Status::IOError("cannot read the size of '" + path + "': " + ec.message());
  if (be32(92) == be32(24) && pages > 0 && size < pages * page_size) {
    return Status::InvalidArgument("'" + path + "' is truncated: its header says " + std::to_string(pages) +
                                   " pages of " + std::to_string(page_size) + " bytes, the file has " +
                                   std::to_string(size) + " bytes; nothing was imported");
  }
  return Status::Ok();
}

}  // namespace

const char* LegacyEraName(LegacyEra era) { return era == LegacyEra::kPython ? "python" : "elixir"; }

const std::vector<LegacyTable>& LegacyTables(LegacyEra era) {
  static const std::vector<LegacyTable> kPython = {
      {"experimentconfig", {"id", "networks", "seeds", "prompts", "embedding_models", "max_length", "started_at", "completed_at"}},
      {"run", {"id", "network", "seed", "max_length", "initial_prompt", "experiment_id"}},
      {"invocation", {"id", "started_at", "completed_at", "model", "type", "seed", "run_id", "sequence_number",
                      "input_invocation_id", "output_text", "output_image_data"}},
      {"embedding", {"id", "started_at", "completed_at", "invocation_id", "embedding_model", "vector"}},
      {"persistencediagram", {"id", "started_at", "completed_at", "diagram_data", "run_id", "embedding_model"}},
      {"clusteringresult", {"id", "created_at", "started_at", "completed_at", "embedding_model", "algorithm", "parameters"}, true},
      {"embeddingcluster", {"id", "embedding_id", "clustering_result_id", "medoid_embedding_id"}, true},
  };
  static const std::vector<LegacyTable> kElixir = {
      {"experiments", {"id", "networks", "num_runs", "prompts", "embedding_models", "max_length", "started_at", "completed_at"}},
      {"runs", {"id", "network", "run_number", "max_length", "initial_prompt", "experiment_id"}},
      {"invocations", {"id", "started_at", "completed_at", "model", "type", "run_id", "sequence_number",
                       "input_invocation_id", "output_text", "output_image"}},
      {"embeddings", {"id", "started_at", "completed_at", "invocation_id", "embedding_model", "vector"}},
      {"persistence_diagrams", {"id", "started_at", "completed_at", "diagram_data", "run_id", "embedding_model"}},
      {"clustering_results", {"id", "started_at", "completed_at", "embedding_model", "algorithm", "parameters", "layer"}, true},
      {"embedding_clusters", {"id", "embedding_id", "clustering_result_id", "medoid_embedding_id"}, true},
      {"lyapunov_results", {"id", "experiment_id", "embedding_model", "network", "prompt", "lyapunov_data", "started_at",
                            "completed_at"}, true},
  };
  return era == LegacyEra::kPython ? kPython : kElixir;
}

LegacySource::LegacySource(std::unique_ptr<SqliteDb> db, std::string path, LegacyEra era, std::vector<std::string> tables)
    : db_(std::move(db)), path_(std::move(path)), era_(era), tables_(std::move(tables)) {}
LegacySource::~LegacySource() = default;

Result<std::unique_ptr<LegacySource>> LegacySource::Open(const std::string& path, LegacyEra era) {
  auto inspection = InspectDatabase(path);
  if (!inspection.ok()) {
    return Status::InvalidArgument("cannot import '" + path + "': " + inspection.status().message());
  }
  const DatabaseOrigin want = era == LegacyEra::kPython ? DatabaseOrigin::kPythonEra : DatabaseOrigin::kElixirEra;
  if (inspection->origin == DatabaseOrigin::kMissing) {
    return Status::InvalidArgument("cannot import '" + path + "': no such file");
  }
  if (inspection->origin != want) {
    return Status::InvalidArgument("cannot import '" + path + "' as " + LegacyEraName(era) + "-era: it is " +
                                   DescribeOrigin(*inspection));
  }
  PANIC_RETURN_IF_ERROR(CheckNotTruncated(path));
  std::error_code ec;
  SqliteDb::Options options;
  options.create_if_missing = false;
  options.read_only = true;
  options.immutable = !std::filesystem::exists(path + "-wal", ec);
  auto db = SqliteDb::Open(path, options);
  if (!db.ok()) return Status::InvalidArgument("cannot import '" + path + "': " + db.status().message());
  // Every table and column the import reads must be there; others are ignored.
  for (const LegacyTable& table : LegacyTables(era)) {
    PANIC_ASSIGN_OR_RETURN(Statement * info, (*db)->Prepare("SELECT name FROM pragma_table_info(?)"));
    info->Bind(1, table.name);
    std::vector<std::string> have;
    PANIC_RETURN_IF_ERROR(info->ForEachRow([&](const Statement& row) {
      have.push_back(row.Text(0));
      return Status::Ok();
    }));
    if (have.empty()) {
      if (table.optional) continue;
      return Status::InvalidArgument("cannot import '" + path + "': it has no table '" + table.name + "'");
    }
    for (const std::string& column : table.columns) {
      if (std::find(have.begin(), have.end(), column) == have.end()) {
        return Status::InvalidArgument("cannot import '" + path + "': table '" + table.name + "' has no column '" +
                                       column + "' (a schema this importer does not know)");
      }
    }
  }
  if (era == LegacyEra::kElixir) {
    PANIC_ASSIGN_OR_RETURN(Statement * m, (*db)->Prepare("SELECT count(*) FROM schema_migrations"));
    PANIC_ASSIGN_OR_RETURN(int64_t migrations, m->ScalarInt());
    if (migrations > kElixirMigrations) {
      return Status::InvalidArgument("cannot import '" + path + "': it has " + std::to_string(migrations) +
                                     " Ecto migrations, newer than the " + std::to_string(kElixirMigrations) +
                                     " this importer knows");
    }
  }
  // The whole file is read later: a damaged page found then stops the import with an
  // error after what was committed (resumable); the header and schema are checked here.
  return std::unique_ptr<LegacySource>(new LegacySource(std::move(*db), path, era, inspection->tables));
}

bool LegacySource::HasTable(const std::string& table) const {
  return std::find(tables_.begin(), tables_.end(), table) != tables_.end();
}

Result<int64_t> LegacySource::MaxRowid(const std::string& table) {
  if (!HasTable(table)) return 0;
  PANIC_ASSIGN_OR_RETURN(Statement * q, db_->Prepare("SELECT max(rowid) FROM \"" + table + "\""));
  return q->ScalarInt();
}

Result<std::vector<legacy::SourceRow>> LegacySource::ReadBatch(const LegacyTable& table, int64_t after, int limit) {
  std::vector<legacy::SourceRow> rows;
  if (!HasTable(table.name)) return rows;
  std::string sql = "SELECT rowid";
  for (const std::string& c : table.columns) sql += ", \"" + c + "\"";
  sql += " FROM \"" + table.name + "\" WHERE rowid > ? ORDER BY rowid LIMIT ?";
  PANIC_ASSIGN_OR_RETURN(Statement * q, db_->Prepare(sql));
  q->Bind(1, after).Bind(2, limit);
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
    legacy::SourceRow r;
    r.rowid = row.Int(0);
    r.values.reserve(table.columns.size());
    for (size_t i = 0; i < table.columns.size(); ++i) {
      const int col = static_cast<int>(i) + 1;
      r.values.push_back(row.IsNull(col) ? legacy::Value() : legacy::Value(row.Blob(col)));
    }
    rows.push_back(std::move(r));
    return Status::Ok();
  }));
  return rows;
}

Result<std::vector<std::pair<std::string, std::string>>> LegacySource::DistinctPairs(const std::string& table,
                                                                                     const std::string& first,
                                                                                     const std::string& second) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!HasTable(table)) return out;
  PANIC_ASSIGN_OR_RETURN(Statement * q, db_->Prepare("SELECT DISTINCT \"" + first + "\", \"" + second + "\" FROM \"" +
                                                     table + "\" WHERE \"" + second + "\" IS NOT NULL ORDER BY 1, 2"));
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
    out.emplace_back(row.Blob(0), row.Blob(1));
    return Status::Ok();
  }));
  return out;
}

}  // namespace panic::store
