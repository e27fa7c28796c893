// `panic-tda import elixir`: a fixture database written from the format description (Ecto
// tables, hyphenated ids, ISO times with 'Z', AVIF images made with libavif, ETF blobs made
// by erl's term_to_binary, compressed or not) is imported: seeds become -1, AVIF images
// become lossless WEBP of the same pixels, diagrams are decoded into our layout, the
// Lyapunov rows become lyapunov_results rows (values compared exactly; a duplicate and an
// impossible num_pairs are reported), and the doctor finds nothing afterwards.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <tuple>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "panic/core/sha256.h"
#include "panic/engine/lyapunov_stage.h"
#include "panic/store/avif_codec.h"
#include "panic/store/experiments_table.h"
#include "panic/store/image_codec.h"
#include "panic/store/npz_codec.h"
#include "panic/store/sqlite_db.h"
#include "support/sqlite_shell.h"
#include "support/test_support.h"

namespace panic {
namespace {

using testing::RunCli;
using testing::RunShell;
using testing::ShellQuote;
using testing::SqlValue;

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::vector<std::string> Erl(const std::string& terms) {
  const std::string program = "lists:foreach(fun({T, Opts}) -> io:format(\"~s~n\", [binary:encode_hex(term_to_binary(T, "
                              "Opts))]) end, [" + terms + "]), halt().";
  auto r = RunShell("timeout 120 erl -noshell -eval " + ShellQuote(program));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) out.push_back(Unhex(line));
  return out;
}

std::string Id(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "0190f1c2-a3b4-7c5d-8e9f-%012d", n);
  return buf;
}

// Writes the fixture; returns the AVIF blobs of the image steps by invocation id.
std::map<std::string, std::string> WriteElixirDb(const std::string& path, int migrations) {
  auto db = store::SqliteDb::Open(path, {}).value();
  EXPECT_TRUE(db->Exec(R"sql(
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, inserted_at TEXT);
CREATE TABLE experiments (id TEXT PRIMARY KEY, networks TEXT, num_runs INTEGER, prompts TEXT, embedding_models TEXT,
  max_length INTEGER, started_at TEXT, completed_at TEXT, inserted_at TEXT, updated_at TEXT);
CREATE TABLE runs (id TEXT PRIMARY KEY, experiment_id TEXT, network TEXT, run_number INTEGER, max_length INTEGER,
  initial_prompt TEXT, seed INTEGER, inserted_at TEXT, updated_at TEXT);
CREATE TABLE invocations (id TEXT PRIMARY KEY, run_id TEXT, input_invocation_id TEXT, model TEXT, type TEXT,
  sequence_number INTEGER, output_text TEXT, output_image BLOB, started_at TEXT, completed_at TEXT, inserted_at TEXT,
  updated_at TEXT);
CREATE TABLE embeddings (id TEXT PRIMARY KEY, invocation_id TEXT, embedding_model TEXT, vector BLOB, started_at TEXT,
  completed_at TEXT, inserted_at TEXT, updated_at TEXT);
CREATE TABLE persistence_diagrams (id TEXT PRIMARY KEY, run_id TEXT, embedding_model TEXT, diagram_data BLOB,
  started_at TEXT, completed_at TEXT, inserted_at TEXT, updated_at TEXT);
CREATE TABLE clustering_results (id TEXT PRIMARY KEY, embedding_model TEXT, algorithm TEXT, parameters TEXT,
  layer INTEGER, started_at TEXT, completed_at TEXT, inserted_at TEXT, updated_at TEXT);
CREATE TABLE embedding_clusters (id TEXT PRIMARY KEY, embedding_id TEXT, clustering_result_id TEXT,
  medoid_embedding_id TEXT, inserted_at TEXT, updated_at TEXT);
CREATE TABLE lyapunov_results (id TEXT PRIMARY KEY, experiment_id TEXT, embedding_model TEXT, network TEXT,
  prompt TEXT, lyapunov_data BLOB, started_at TEXT, completed_at TEXT, inserted_at TEXT, updated_at TEXT);
)sql").ok());
  for (int v = 1; v <= migrations; ++v) {
    EXPECT_TRUE(db->Exec("INSERT INTO schema_migrations VALUES (2026060100000" + std::to_string(v) +
                         ", '2026-06-01T00:00:00Z')").ok());
  }
  const std::string t = "2026-06-10T01:02:05.519162Z";
  EXPECT_TRUE(db->Exec("INSERT INTO experiments VALUES ('" + Id(1) + "', '[[\"DummyT2I\",\"DummyI2T\"]]', 2, "
                       "'[\"a lighthouse\"]', '[\"DummyText\",\"DummyVision\"]', 4, '" + t + "', '" + t +
                       "', '" + t + "', '" + t + "')").ok());
  // Diagrams: two plain, two compressed (erl decides compression; a large one compresses).
  auto blobs = Erl(
      "{#{dgms => [[[0.0, 1.5], [0.25, inf]], [[0.125, 3]], []], entropy => [0.5, 0.25, 0.0], num_edges => 0}, []}, "
      "{#{dgms => [[[float(I), float(I) + 0.5] || I <- lists:seq(1, 300)], [], []], entropy => [1.0, 0.0, 0.0], "
      "num_edges => 0}, [compressed]}, "
      // Lyapunov: A plain (2 runs × 2 steps, as the fixture's DummyText groups), B compressed
      // (3 runs × 201 steps, an `inf` atom in its curve), C a num_pairs no group of runs has.
      "{#{exponent => 1.5040773967762742, r_squared => nil, divergence_curve => [0.1, 0.45], num_pairs => 1, "
      "num_timesteps => 2}, []}, "
      "{#{exponent => -0.25, r_squared => 0.875, divergence_curve => [1/3 | lists:duplicate(199, 0.5)] ++ [inf], "
      "num_pairs => 3, num_timesteps => 201}, [compressed]}, "
      "{#{exponent => 0.5, r_squared => 0.5, divergence_curve => [0.5, 1.0], num_pairs => 2, num_timesteps => 2}, "
      "[compressed]}");
  EXPECT_EQ(blobs.size(), 5u);
  EXPECT_EQ(blobs[2][1], 't');  // MAP_EXT at once: not compressed
  EXPECT_EQ(blobs[3][1], 'P');  // compressed (tag 80)
  std::map<std::string, std::string> avifs;
  int next = 100;
  for (int run = 0; run < 2; ++run) {
    const std::string run_id = Id(10 + run);
    EXPECT_TRUE(db->Exec("INSERT INTO runs VALUES ('" + run_id + "', '" + Id(1) + "', '[\"DummyT2I\",\"DummyI2T\"]', " +
                         std::to_string(run) + ", 4, 'a lighthouse', NULL, '" + t + "', '" + t + "')").ok());
    std::string prev;
    for (int step = 0; step < 4; ++step) {
      const std::string inv = Id(next++);
      auto q = db->Prepare("INSERT INTO invocations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").value();
      q->Bind(1, inv).Bind(2, run_id).Bind(4, step % 2 == 0 ? "DummyT2I" : "DummyI2T");
      if (prev.empty()) {
        q->BindNull(3);
      } else {
        q->Bind(3, prev);
      }
      q->Bind(5, step % 2 == 0 ? "image" : "text").Bind(6, step);
      if (step % 2 == 0) {
        RgbImage img = RgbImage::Solid(64, 64, static_cast<uint8_t>(40 * run + 10 * step), 120, 200);
        for (size_t i = 0; i < img.pixels.size(); i += 7) img.pixels[i] = static_cast<uint8_t>(i % 251);
        std::string avif = store::EncodeAvif(img, 60).value();
        avifs[inv] = avif;
        q->BindNull(7).BindBlob(8, avif);
      } else {
        q->Bind(7, "caption " + std::to_string(run) + "." + std::to_string(step)).BindNull(8);
      }
      q->Bind(9, t).Bind(10, step == 3 ? std::string("2026-06-10T01:02:06Z") : t).Bind(11, t).Bind(12, t);
      EXPECT_TRUE(q->Run().ok());
      const bool image = step % 2 == 0;
      std::vector<float> v(768, 0.25f * (step + 1));
      auto e = db->Prepare("INSERT INTO embeddings VALUES (?, ?, ?, ?, ?, ?, ?, ?)").value();
      e->Bind(1, Id(next++)).Bind(2, inv).Bind(3, image ? "DummyVision" : "DummyText");
      e->BindBlob(4, std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * 4));
      e->Bind(5, t).Bind(6, t).Bind(7, t).Bind(8, t);
      EXPECT_TRUE(e->Run().ok());
      prev = inv;
    }
    for (int m = 0; m < 2; ++m) {
      auto d = db->Prepare("INSERT INTO persistence_diagrams VALUES (?, ?, ?, ?, ?, ?, ?, ?)").value();
      d->Bind(1, Id(next++)).Bind(2, run_id).Bind(3, m == 0 ? "DummyText" : "DummyVision").BindBlob(4, blobs[m]);
      d->Bind(5, t).Bind(6, t).Bind(7, t).Bind(8, t);
      EXPECT_TRUE(d->Run().ok());
    }
  }
  EXPECT_TRUE(db->Exec("INSERT INTO clustering_results VALUES ('" + Id(900) + "', 'DummyText', 'evoc', "
                       "'{\"noise_level\": 0.5}', 1, '" + t + "', '" + t + "', '" + t + "', '" + t + "')").ok());
  // 901 (A) and 902 (B) are imported; 903 repeats A's group (a duplicate), 904 is C.
  const std::vector<std::tuple<int, std::string, int>> lyapunov = {
      {901, "DummyText", 2}, {902, "DummyVision", 3}, {903, "DummyText", 2}, {904, "DummyVision", 4}};
  for (const auto& [id, model, blob] : lyapunov) {
    auto l = db->Prepare("INSERT INTO lyapunov_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").value();
    l->Bind(1, Id(id)).Bind(2, Id(1)).Bind(3, model).Bind(4, "[\"DummyT2I\",\"DummyI2T\"]").Bind(5, "a lighthouse");
    l->BindBlob(6, blobs[blob]).Bind(7, t).Bind(8, "2026-06-10T01:02:07.25Z").Bind(9, t).Bind(10, t);
    EXPECT_TRUE(l->Run().ok());
  }
  return avifs;
}

// Reads a REAL column as SQLite holds it (NULL → NaN).
double Real(store::SqliteDb& db, const std::string& id, const std::string& column) {
  auto q = db.Prepare("SELECT " + column + " FROM lyapunov_results WHERE id = ?").value();
  q->Bind(1, id);
  EXPECT_TRUE(q->Step().value()) << id;
  const double v = q->IsNull(0) ? std::nan("") : q->Double(0);
  q->Reset();
  return v;
}

// The curve blob: raw little-endian float64.
std::vector<double> Curve(const std::string& target, const std::string& id) {
  const std::string bytes = Unhex(SqlValue(target, "SELECT hex(curve) FROM lyapunov_results WHERE id = '" + id + "'"));
  std::vector<double> out(bytes.size() / 8);
  std::memcpy(out.data(), bytes.data(), out.size() * 8);
  return out;
}

// A and B as the fixture wrote them, every value compared exactly (doubles bit for bit).
void ExpectLyapunovImported(const std::string& target) {
  EXPECT_EQ(SqlValue(target, "SELECT id, experiment_id, network, initial_prompt, other_prompt, embedding_model, num_runs, "
                             "num_pairs, num_timesteps, computed_at FROM lyapunov_results ORDER BY id"),
            Id(901) + "|" + Id(1) + "|[\"DummyT2I\",\"DummyI2T\"]|a lighthouse||DummyText|2|1|2|"
            "2026-06-10T01:02:07.250000Z\n" +
            Id(902) + "|" + Id(1) + "|[\"DummyT2I\",\"DummyI2T\"]|a lighthouse||DummyVision|3|3|201|"
            "2026-06-10T01:02:07.250000Z");
  auto db = store::SqliteDb::Open(target, {}).value();
  EXPECT_EQ(Real(*db, Id(901), "exponent"), 1.5040773967762742);
  EXPECT_TRUE(std::isnan(Real(*db, Id(901), "r_squared")));  // nil
  EXPECT_EQ(Curve(target, Id(901)), (std::vector<double>{0.1, 0.45}));
  // Derived from the curve: a line through two points meets ln d(0) at t = 0; a bounded fit
  // needs four points.
  EXPECT_NEAR(Real(*db, Id(901), "intercept"), std::log(0.1), 1e-12);
  EXPECT_EQ(SqlValue(target, "SELECT bounded_status FROM lyapunov_results WHERE id = '" + Id(901) + "'"), "degenerate");
  EXPECT_EQ(Real(*db, Id(902), "exponent"), -0.25);
  EXPECT_EQ(Real(*db, Id(902), "r_squared"), 0.875);
  std::vector<double> b(201, 0.5);
  b.front() = 1.0 / 3.0;
  b.back() = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Curve(target, Id(902)), b);
  // A matches the group our lyapunov stage forms (2 finished runs × 2 DummyText vectors), so
  // it carries the stage's fingerprint and the stage keeps it; B (3 runs) does not.
  auto experiment = store::experiments::Get(*db, Id(1)).value();
  auto groups = engine::LyapunovStage::ListGroups(*db, experiment).value();
  std::string fingerprint;
  for (const auto& g : groups) {
    if (g.model == "DummyText" && g.other_prompt.empty()) fingerprint = g.fingerprint;
  }
  ASSERT_FALSE(fingerprint.empty());
  EXPECT_EQ(SqlValue(target, "SELECT runs_fingerprint FROM lyapunov_results ORDER BY id"), fingerprint + "\nelixir-import");
}

bool HaveErlang() { return RunShell("command -v erl").exit_code == 0; }

TEST(ElixirImportTest, ImportsTheElixirEra) {
  if (!HaveErlang()) GTEST_SKIP() << "erl (erlang-base) makes the ETF blobs";
  testing::TempDir dir;
  const std::string source = dir.File("elixir.sqlite");
  auto avifs = WriteElixirDb(source, 7);
  const std::string hash = Sha256Hex(testing::ReadFile(source));
  const std::string target = dir.File("ours.db");
  auto r = RunCli({"--db", target, "import", "elixir", source, "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Sha256Hex(testing::ReadFile(source)), hash);
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["time_zone"], "UTC");
  EXPECT_EQ(SqlValue(target, "SELECT seeds FROM experiments"), "[-1,-1]");
  EXPECT_EQ(SqlValue(target, "SELECT count(*), min(seed), max(seed) FROM runs"), "2|-1|-1");
  EXPECT_EQ(SqlValue(target, "SELECT count(*) FROM invocations WHERE seed = -1"), "8");
  EXPECT_EQ(SqlValue(target, "SELECT count(*) FROM embeddings; SELECT count(*) FROM persistence_diagrams"), "8\n4");
  EXPECT_EQ(SqlValue(target, "SELECT DISTINCT started_at FROM invocations"), "2026-06-10T01:02:05.519162Z");
  EXPECT_EQ(SqlValue(target, "SELECT stop_reason, count(*) FROM runs GROUP BY 1"), "length|2");
  EXPECT_EQ(SqlValue(target, "SELECT parameters FROM clustering_results"), "{\"layer\":1,\"noise_level\":0.5}");
  // AVIF → lossless WEBP of the decoded pixels.
  for (const auto& [id, avif] : avifs) {
    auto stored = SqlValue(target, "SELECT hex(output_image) FROM invocations WHERE id = '" + id + "'");
    auto webp = store::DecodeImage(Unhex(stored));
    ASSERT_TRUE(webp.ok()) << webp.status().ToString();
    EXPECT_EQ(store::SniffImageFormat(Unhex(stored)), store::ImageFormat::kWebp);
    EXPECT_EQ(webp->pixels, store::DecodeAvif(avif).value().pixels) << id;
  }
  // ETF diagrams, plain and compressed, in our layout.
  auto small = store::DecodeDiagramNpz(Unhex(SqlValue(target, "SELECT hex(diagram_data) FROM persistence_diagrams WHERE "
                                                              "embedding_model = 'DummyText' LIMIT 1")));
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  ASSERT_EQ(small->diagram.dimensions[0].size(), 2u);
  EXPECT_TRUE(std::isinf(small->diagram.dimensions[0][1].death));
  EXPECT_EQ(small->entropy, (std::vector<float>{0.5f, 0.25f, 0.0f}));
  auto big = store::DecodeDiagramNpz(Unhex(SqlValue(target, "SELECT hex(diagram_data) FROM persistence_diagrams WHERE "
                                                            "embedding_model = 'DummyVision' LIMIT 1")));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->diagram.dimensions[0].size(), 300u);
  // The Lyapunov rows: two imported, a second result of A's group and C skipped with reasons.
  ASSERT_EQ(report["skipped"].size(), 2u) << report.dump(1);
  std::map<std::string, std::string> skipped;
  for (const auto& k : report["skipped"]) {
    EXPECT_EQ(k["table"], "lyapunov_results");
    skipped[k["source_id"]] = k["reason"];
  }
  EXPECT_EQ(skipped[Id(903)], "duplicate: another Lyapunov result has the same experiment, network, prompt and "
                              "embedding_model");
  EXPECT_NE(skipped[Id(904)].find("num_pairs 2 is not m(m−1)/2"), std::string::npos) << skipped[Id(904)];
  EXPECT_EQ(report["lyapunov"]["current"], 1);
  EXPECT_EQ(report["lyapunov"]["stale"], 1);
  ExpectLyapunovImported(target);

  // The analyses read them (the stage's table, exponents as Elixir stored them).
  auto analysed = RunCli({"--db", target, "analyse", "lyapunov", "--format", "json"});
  ASSERT_EQ(analysed.exit_code, 0) << analysed.err;
  EXPECT_NE(analysed.out.find("1.5040773967762742"), std::string::npos) << analysed.out;
  EXPECT_NE(analysed.out.find("-0.25"), std::string::npos) << analysed.out;

  auto doctor = RunCli({"--db", target, "doctor"});
  EXPECT_EQ(doctor.exit_code, 0) << doctor.out << doctor.err;
  auto again = nlohmann::json::parse(RunCli({"--db", target, "import", "elixir", source, "--format", "json"}).out);
  for (const auto& t : again["tables"]) EXPECT_EQ(t["imported"], 0) << t.dump();
  EXPECT_EQ(again["lyapunov"]["current"], 0);  // already matched: left as it is
  ExpectLyapunovImported(target);
}

// Each era's --help says what that era's import does: the Elixir one said "Python hex ids
// gain hyphens" (its ids are hyphenated already) and the Python one spoke of "a newer
// schema" (only the Elixir era's migrations are counted).
TEST(ElixirImportTest, EachErasHelpDescribesItsOwnImport) {
  auto elixir = RunCli({"import", "elixir", "--help"});
  ASSERT_EQ(elixir.exit_code, 0) << elixir.err;
  const std::string details = elixir.out.substr(0, elixir.out.find("\noptions:"));  // not the global --python
  EXPECT_EQ(details.find("Python"), std::string::npos) << details;
  EXPECT_EQ(details.find("hex"), std::string::npos) << details;
  for (const char* said : {"Ids (hyphenated UUIDs) are kept", "seed -1", "AVIF", "Ecto migrations", "stale"}) {
    EXPECT_NE(elixir.out.find(said), std::string::npos) << said << "\n" << elixir.out;
  }
  auto python = RunCli({"import", "python", "--help"});
  ASSERT_EQ(python.exit_code, 0) << python.err;
  for (const char* said : {"Ids (32 hex digits) are kept as hyphenated", "zone\nrecorded as unknown",
                           "Stop reasons (not stored in that era) are recomputed"}) {
    EXPECT_NE(python.out.find(said), std::string::npos) << said << "\n" << python.out;
  }
  for (const char* other : {"Ecto", "newer schema", "AVIF", "Elixir"}) {
    EXPECT_EQ(python.out.find(other), std::string::npos) << other << "\n" << python.out;
  }
  for (const auto* help : {&elixir.out, &python.out}) {
    EXPECT_NE(help->find("legacy_import_skips"), std::string::npos) << *help;
    EXPECT_NE(help->find("target being the source"), std::string::npos) << *help;
  }
}

TEST(ElixirImportTest, NewerMigrationsExitTwo) {
  if (!HaveErlang()) GTEST_SKIP() << "erl (erlang-base) makes the ETF blobs";
  testing::TempDir dir;
  const std::string source = dir.File("newer.sqlite");
  WriteElixirDb(source, 8);
  auto r = RunCli({"--db", dir.File("ours.db"), "import", "elixir", source});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("8 Ecto migrations"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("ours.db")));
}

}  // namespace
}  // namespace panic
