#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "panic/core/image.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/store/image_codec.h"
#include "panic/store/npz_codec.h"
#include "panic/store/database.h"
#include "panic/store/experiments_table.h"
#include "panic/store/schema.h"
#include "panic/store/sqlite_db.h"
#include "panic/store/vector_codec.h"
#include "store/store_test_fixtures.h"

namespace panic::store {

ExperimentRecord MakeTestExperiment(int64_t max_length) {
  ExperimentRecord e;
  e.id = NewUuidV7();
  e.networks = {{"DummyT2I", "DummyI2T"}};
  e.seeds = {1, 2};
  e.prompts = {"p"};
  e.embedding_models = {"DummyText"};
  e.max_length = max_length;
  e.created_at = e.updated_at = NowIso();
  return e;
}

std::vector<RunRecord> MakeTestRuns(const ExperimentRecord& e, int n) {
  std::vector<RunRecord> runs;
  for (int i = 0; i < n; ++i) {
    RunRecord r;
    r.id = NewUuidV7();
    r.experiment_id = e.id;
    r.run_number = i;
    r.network = e.networks[0];
    r.seed = i;
    r.max_length = e.max_length;
    r.initial_prompt = "p";
    runs.push_back(r);
  }
  return runs;
}

std::string CreateTestDatabase(const std::string& path, int runs) {
  auto store = Database::Open(path, OpenMode::kCreate);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return "";
  const ExperimentRecord e = MakeTestExperiment();
  const Status written = (*store)->Write([&](SqliteDb& c) { return experiments::Insert(c, e, MakeTestRuns(e, runs)); });
  EXPECT_TRUE(written.ok()) << written.ToString();
  return e.id;
}

InvocationRecord MakeTestInvocation(const std::string& run_id, int64_t seq, const std::string& text) {
  InvocationRecord inv;
  inv.id = NewUuidV7();
  inv.run_id = run_id;
  inv.sequence_number = seq;
  inv.model = "DummyI2T";
  inv.type = OutputType::kText;
  inv.seed = 1;
  inv.output_text = text;
  inv.started_at = inv.completed_at = NowIso();
  return inv;
}

namespace {

void MustExec(SqliteDb& db, const std::string& sql) {
  Status s = db.Exec(sql);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << sql;
}

// Binds every value as text, NULL for "\0null", blob when prefixed "\0blob".
std::string Insert(SqliteDb& db, const std::string& table, const std::vector<std::string>& columns,
                   const std::vector<std::optional<std::string>>& values, const std::vector<bool>& blob = {}) {
  std::string sql = "INSERT INTO " + table + " (";
  std::string marks;
  for (size_t i = 0; i < columns.size(); ++i) {
    sql += (i ? ", " : "") + columns[i];
    marks += i ? ",?" : "?";
  }
  sql += ") VALUES (" + marks + ")";
  auto q = db.Prepare(sql);
  if (!q.ok()) return q.status().ToString();
  for (size_t i = 0; i < values.size(); ++i) {
    const int col = static_cast<int>(i) + 1;
    if (!values[i]) (*q)->BindNull(col);
    else if (i < blob.size() && blob[i]) (*q)->BindBlob(col, *values[i]);
    else (*q)->Bind(col, *values[i]);
  }
  Status s = (*q)->Run();
  return s.ok() ? "" : s.ToString();
}

RgbImage Gradient(int w, int h, int shift) {
  RgbImage img{w, h, std::vector<uint8_t>(static_cast<size_t>(w) * h * 3)};
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>((i * 7 + shift) & 0xFF);
  return img;
}

}  // namespace

std::string MakeV1Database(const std::string& path) {
  SqliteDb::Options options;
  auto opened = SqliteDb::Open(path, options);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (!opened.ok()) return "";
  SqliteDb& db = **opened;
  // What MigrateToLatest did in the schema-1 release: schema_version, then migration 1.
  MustExec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
  MustExec(db, "BEGIN IMMEDIATE");
  MustExec(db, Migrations()[0]);
  MustExec(db, "INSERT INTO schema_version VALUES (1, '2026-01-02T03:04:05.678Z')");

  ExperimentRecord e = MakeTestExperiment(6);
  auto runs = MakeTestRuns(e, 2);
  const std::string now = "2026-01-02T03:04:05.000001Z";
  auto check = [](const std::string& err) { EXPECT_EQ(err, ""); };
  check(Insert(db, "experiments",
               {"id", "networks", "seeds", "prompts", "embedding_models", "max_length", "options", "started_at",
                "completed_at", "created_at", "updated_at"},
               {e.id, nlohmann::json(e.networks).dump(), "[1,2]", "[\"p\"]", "[\"DummyText\",\"DummyVision\"]", "6",
                "{\"webp_quality\":90}", now, std::nullopt, now, now}));
  for (const auto& r : runs) {
    const bool failed = r.run_number == 1;
    check(Insert(db, "runs",
                 {"id", "experiment_id", "run_number", "network", "seed", "max_length", "initial_prompt", "stop_reason",
                  "loop_length", "error", "completed_at"},
                 {r.id, e.id, std::to_string(r.run_number), nlohmann::json(r.network).dump(), std::to_string(r.seed),
                  "6", "a prompt with ünïcode", failed ? "failed" : "length", std::nullopt,
                  failed ? std::optional<std::string>("model DummyT2I: boom") : std::nullopt, now}));
  }
  // Run 0: six steps alternating image and text, each the input of the next.
  std::optional<std::string> previous;
  std::vector<std::string> embedding_ids;
  for (int step = 0; step < 6; ++step) {
    const std::string id = NewUuidV7();
    const bool image = step % 2 == 0;
    std::optional<std::string> text, webp;
    if (image) {
      auto encoded = EncodeWebp(Gradient(16, 12, step), /*lossless=*/true);
      EXPECT_TRUE(encoded.ok());
      webp = *encoded;
    } else {
      text = "caption " + std::to_string(step) + " \xE2\x9C\x93";
    }
    check(Insert(db, "invocations",
                 {"id", "run_id", "sequence_number", "model", "type", "seed", "input_invocation_id", "output_text",
                  "output_image", "started_at", "completed_at"},
                 {id, runs[0].id, std::to_string(step), image ? "DummyT2I" : "DummyI2T", image ? "image" : "text", "1",
                  previous, text, webp, now, now},
                 {false, false, false, false, false, false, false, false, true}));
    const std::string emb = NewUuidV7();
    std::vector<float> v = {0.25f * step, -1.5f, 3.0e-8f, static_cast<float>(step) / 7.0f};
    check(Insert(db, "embeddings", {"id", "invocation_id", "embedding_model", "vector", "started_at", "completed_at"},
                 {emb, id, image ? "DummyVision" : "DummyText", EncodeVector(v), now, now},
                 {false, false, false, true}));
    embedding_ids.push_back(emb);
    previous = id;
  }
  tda::Diagram diagram;
  diagram.dimensions = {{{0.0f, 0.5f}, {0.0f, std::numeric_limits<float>::infinity()}}, {{0.25f, 0.75f}}};
  check(Insert(db, "persistence_diagrams",
               {"id", "run_id", "embedding_model", "diagram_data", "error", "started_at", "completed_at"},
               {NewUuidV7(), runs[0].id, "DummyText", EncodeDiagramNpz(diagram, {0.5f, 0.0f}), std::nullopt, now, now},
               {false, false, false, true}));
  check(Insert(db, "persistence_diagrams",
               {"id", "run_id", "embedding_model", "diagram_data", "error", "started_at", "completed_at"},
               {NewUuidV7(), runs[0].id, "DummyVision", std::nullopt, "out of memory", now, now}));
  const std::string clustering = NewUuidV7();
  check(Insert(db, "clustering_results",
               {"id", "experiment_id", "embedding_model", "algorithm", "parameters", "started_at", "completed_at"},
               {clustering, e.id, "DummyText", "hdbscan", "{\"min_cluster_size\":2}", now, now}));
  for (size_t i = 0; i < embedding_ids.size(); ++i) {
    check(Insert(db, "embedding_clusters",
                 {"id", "embedding_id", "clustering_result_id", "cluster_label", "medoid_embedding_id"},
                 {NewUuidV7(), embedding_ids[i], clustering, i % 3 == 2 ? "-1" : "0",
                  i % 3 == 2 ? std::nullopt : std::optional<std::string>(embedding_ids[0])}));
  }
  MustExec(db, "COMMIT");
  return e.id;
}

std::vector<std::string> TableColumns(SqliteDb& db, const std::string& table) {
  std::vector<std::string> out;
  auto q = db.Prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid");
  EXPECT_TRUE(q.ok());
  if (!q.ok()) return out;
  (*q)->Bind(1, table);
  Status s = (*q)->ForEachRow([&](const Statement& row) -> Status {
    out.push_back(row.Text(0));
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::string DumpTable(SqliteDb& db, const std::string& table, const std::vector<std::string>& columns) {
  // A WITHOUT ROWID table has no rowid: its rows print "-" there and come in column order.
  bool without_rowid = false;
  if (auto wr = db.Prepare("SELECT count(*) FROM pragma_table_list WHERE schema = 'main' AND name = ?1 AND wr");
      wr.ok()) {
    (*wr)->Bind(1, table);
    auto n = (*wr)->ScalarInt();
    without_rowid = n.ok() && *n > 0;
  }
  std::string select = without_rowid ? "SELECT '-'" : "SELECT rowid";
  std::string order;
  for (size_t i = 0; i < columns.size(); ++i) {
    select += ", quote(" + columns[i] + ")";
    order += (i ? ", " : "") + std::to_string(i + 2);
  }
  select += " FROM " + table + " ORDER BY " + (without_rowid ? order : std::string("rowid"));
  auto q = db.Prepare(select);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  if (!q.ok()) return "";
  std::string out;
  Status s = (*q)->ForEachRow([&](const Statement& row) -> Status {
    out += row.Text(0);
    for (size_t i = 0; i < columns.size(); ++i) out += "|" + row.Text(static_cast<int>(i) + 1);
    out += "\n";
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

}  // namespace panic::store
