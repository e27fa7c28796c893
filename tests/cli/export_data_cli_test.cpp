// `panic-tda export data` through the built executable. Every table is read back by
// readers independent of panic-tda: pandas (Debian's python3-pandas) for the
// CSV files, hyparquet under Node for the Parquet files. The CSV values are checked against
// the database itself (sqlite3 + numpy: vectors, diagram bars), and each Parquet table
// against its CSV twin, value for value (float32 and double exactly).
//
// The Parquet test needs hyparquet (scripts/setup.sh installs it into ~/.cache/panic-tda/hyparquet-1.33.0, or set
// $PANIC_TDA_HYPARQUET to a folder with node_modules/hyparquet); without them it is skipped.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "support/test_support.h"

namespace panic::testing {
namespace {

constexpr const char* kConfig = R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1, 2],
  "prompts": ["a red fox", "a, \"quoted\"\nprompt"], "embedding_models": ["DummyText", "DummyVision"], "max_length": 12,
  "options": {"loop_detection": "off"}})";

constexpr const char* kPlantClustering = R"PY(
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("INSERT INTO clustering_results (id, experiment_id, embedding_model, algorithm, parameters, started_at, completed_at) "
            "SELECT 'c0ffee00-0000-7000-8000-000000000001', id, 'DummyText', 'planted', '{}', '2026-01-01T00:00:00Z', "
            "'2026-01-01T00:00:01Z' FROM experiments")
for n, (eid, seq) in enumerate(con.execute("SELECT e.id, i.sequence_number FROM embeddings e JOIN invocations i ON "
                                           "i.id = e.invocation_id WHERE e.embedding_model = 'DummyText'").fetchall()):
    con.execute("INSERT INTO embedding_clusters (id, embedding_id, clustering_result_id, cluster_label) VALUES (?, ?, ?, ?)",
                ('c0ffee00-0000-7000-8000-%012d' % (n + 10), eid, 'c0ffee00-0000-7000-8000-000000000001', seq % 3 - 1))
con.commit()
)PY";

// CSV tables against the database: row counts, vectors and bars exactly.
constexpr const char* kCheckCsv = R"PY(
import io, json, sys, sqlite3, numpy as np, pandas as pd
con = sqlite3.connect(sys.argv[1]); d = sys.argv[2]
t = {name: pd.read_csv(f"{d}/{name}.csv", keep_default_na=False, na_values=[""], float_precision="round_trip") for name in
     ["experiments", "runs", "invocations", "embeddings", "diagrams", "entropy", "clusters", "drift", "lyapunov", "lyapunov_curves"]}
count = lambda sql: con.execute(sql).fetchone()[0]
assert len(t["experiments"]) == 1 and json.loads(t["experiments"].prompts[0])[1] == 'a, "quoted"\nprompt'
assert len(t["runs"]) == count("SELECT count(*) FROM runs") == 4
assert set(t["runs"].initial_prompt) == {"a red fox", 'a, "quoted"\nprompt'}
assert len(t["invocations"]) == count("SELECT count(*) FROM invocations") == 48
assert "output_image" not in t["invocations"].columns
assert t["invocations"][t["invocations"].type == "image"].output_text.isna().all()
emb = t["embeddings"]
assert len(emb) == count("SELECT count(*) FROM embeddings") == 48
stored = {i: np.frombuffer(v, "<f4") for i, v in con.execute("SELECT id, vector FROM embeddings")}
for row in emb.itertuples():
    assert np.array_equal(np.array(json.loads(row.vector), dtype=np.float32), stored[row.embedding_id]), row.embedding_id
bars = 0
for rid, model, blob in con.execute("SELECT run_id, embedding_model, diagram_data FROM persistence_diagrams"):
    z = np.load(io.BytesIO(blob))
    for k in range(2):
        want = z[f"dgms_{k}"].astype(float)
        got = t["diagrams"][(t["diagrams"].run_id == rid) & (t["diagrams"].embedding_model == model) &
                            (t["diagrams"].homology_dimension == k)][["birth", "death"]].to_numpy()
        assert np.array_equal(got, want), (rid, model, k)
        bars += len(want)
assert len(t["diagrams"]) >= bars
assert np.isinf(t["diagrams"].death).any(), "the essential H0 bar is written as inf"
assert len(t["entropy"]) > 0 and t["entropy"].entropy.notna().all()
assert len(t["clusters"]) == 24 and set(t["clusters"].cluster_label) == {-1, 0, 1}
assert len(t["drift"]) == 48 and t["drift"].semantic_drift.between(0, 2).all()
assert len(t["lyapunov"]) == count("SELECT count(*) FROM lyapunov_results") == 6
assert len(t["lyapunov_curves"]) == t["lyapunov"].num_timesteps.sum()
print("ok")
)PY";

// Each Parquet table (read by hyparquet into JSON) equals its CSV twin (read by pandas).
constexpr const char* kCompare = R"PY(
import json, math, sys, numpy as np, pandas as pd
d = sys.argv[1]
for name in ["experiments", "runs", "invocations", "embeddings", "diagrams", "entropy", "clusters", "drift", "lyapunov", "lyapunov_curves"]:
    csv = pd.read_csv(f"{d}/csv/{name}.csv", keep_default_na=False, na_values=[""], float_precision="round_trip")
    pq = json.load(open(f"{d}/json/{name}.json"))
    assert len(pq) == len(csv), (name, len(pq), len(csv))
    for i, row in enumerate(csv.to_dict("records")):
        got = pq[i]
        assert list(got.keys()) == list(csv.columns), (name, list(got.keys()))
        for k, want in row.items():
            g = got[k]
            if isinstance(want, float) and math.isnan(want):
                assert g is None or g == "NaN", (name, i, k, g)
            elif k == "vector":
                assert np.array_equal(np.array(g, dtype=np.float32), np.array(json.loads(want), dtype=np.float32)), (name, i)
            elif isinstance(want, float):
                g = float(g)  # "Infinity" for ±inf
                assert g == want, (name, i, k, g, want)
            else:
                assert g == want, (name, i, k, g, want)
print("ok")
)PY";

constexpr const char* kToJson = R"JS(
const [, , lib, input, output] = process.argv;
const { asyncBufferFromFile, parquetReadObjects } = await import(lib);
const rows = await parquetReadObjects({ file: await asyncBufferFromFile(input) });
const fs = await import('node:fs');
fs.writeFileSync(output, JSON.stringify(rows, (k, v) =>
  typeof v === 'bigint' ? Number(v) : (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
)JS";

class ExportDataCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.File("cfg.json"), kConfig);
    auto r = RunCli({"--db", Db(), "experiment", "run", dir_.File("cfg.json")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    WriteFile(dir_.File("plant.py"), kPlantClustering);
    auto p = RunShell("/usr/bin/python3 " + ShellQuote(dir_.File("plant.py")) + " " + ShellQuote(Db()));
    ASSERT_EQ(p.exit_code, 0) << p.err;
  }
  std::string Db() const { return dir_.File("a.db"); }
  void Python(const std::string& script, const std::vector<std::string>& args) {
    WriteFile(dir_.File("check.py"), script);
    std::string cmd = "/usr/bin/python3 " + ShellQuote(dir_.File("check.py"));
    for (const auto& a : args) cmd += " " + ShellQuote(a);
    auto r = RunShell(cmd);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(r.out.substr(0, 2), "ok") << r.out << r.err;
  }
  TempDir dir_;
};

TEST_F(ExportDataCliTest, CsvTablesLoadInPandasAndEqualTheDatabase) {
  const std::string out = dir_.File("csv");
  auto r = RunCli({"--db", Db(), "export", "data", "latest", "--output", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("embeddings.csv  48 rows"), std::string::npos) << r.out;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    EXPECT_EQ(entry.path().extension(), ".csv") << "no temporary file is left: " << entry.path();
  }
  Python(kCheckCsv, {Db(), out});
  // --model keeps one embedding model's rows.
  auto one = RunCli({"--db", Db(), "export", "data", "latest", "--model", "DummyVision", "--output", dir_.File("one")});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("embeddings.csv  24 rows"), std::string::npos) << one.out;
}

TEST_F(ExportDataCliTest, ParquetTablesReadByHyparquetEqualTheCsvTables) {
  const std::string root = HyparquetRoot();
  const std::string lib = root + "/node_modules/hyparquet/src/node.js";
  if (!std::filesystem::exists(lib) || RunShell("command -v node").exit_code != 0) {
    GTEST_SKIP() << "hyparquet is not installed in " << root << " (scripts/setup.sh installs it)";
  }
  auto r = RunCli({"--db", Db(), "export", "data", "latest", "--format", "parquet", "--output", dir_.File("pq")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(RunCli({"--db", Db(), "export", "data", "latest", "--output", dir_.File("csv")}).exit_code, 0);
  WriteFile(dir_.File("to_json.mjs"), kToJson);
  std::filesystem::create_directories(dir_.File("json"));
  for (const auto& entry : std::filesystem::directory_iterator(dir_.File("pq"))) {
    ASSERT_EQ(entry.path().extension(), ".parquet") << "no temporary file is left: " << entry.path();
    const std::string json = dir_.File("json/" + entry.path().stem().string() + ".json");
    auto n = RunShell("node " + ShellQuote(dir_.File("to_json.mjs")) + " " + ShellQuote(lib) + " " +
                      ShellQuote(entry.path().string()) + " " + ShellQuote(json));
    ASSERT_EQ(n.exit_code, 0) << entry.path() << ": " << n.err;
  }
  Python(kCompare, {dir_.path().string()});
}

TEST_F(ExportDataCliTest, BadInputIsExitTwo) {
  auto no_output = RunCli({"--db", Db(), "export", "data", "latest"});
  EXPECT_EQ(no_output.exit_code, 2);
  EXPECT_NE(no_output.err.find("--output DIR is needed"), std::string::npos) << no_output.err;
  auto format = RunCli({"--db", Db(), "export", "data", "latest", "--format", "xlsx", "--output", dir_.File("x")});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_NE(format.err.find("--format: 'xlsx' is not one of: csv, parquet"), std::string::npos) << format.err;
  auto unknown = RunCli({"--db", Db(), "export", "data", "nope", "--output", dir_.File("x")});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  // A model none of the experiments has: refused before the folder is made.
  auto model = RunCli({"--db", Db(), "export", "data", "latest", "--model", "Nope", "--output", dir_.File("m")});
  EXPECT_EQ(model.exit_code, 2) << model.err;
  EXPECT_NE(model.err.find("--model: 'Nope' is not allowed"), std::string::npos) << model.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("m")));
  // A file given as the folder is bad input (exit 2, it used to be an I/O failure: 1), left as it was.
  WriteFile(dir_.File("a-file"), "mine");
  auto file = RunCli({"--db", Db(), "export", "data", "latest", "--output", dir_.File("a-file")});
  EXPECT_EQ(file.exit_code, 2) << file.err;
  EXPECT_NE(file.err.find("is a file, not a folder"), std::string::npos) << file.err;
  EXPECT_EQ(ReadFile(dir_.File("a-file")), "mine");
}

// A table that cannot be written says why: the disk is full (here: the table's name links to
// /dev/full, which a write fills at once). It said only "cannot write to '…'".
TEST_F(ExportDataCliTest, AFailedWriteSaysWhy) {
  const std::string out = dir_.File("full");
  std::filesystem::create_directory(out);
  std::filesystem::create_symlink("/dev/full", out + "/experiments.csv");
  auto r = RunCli({"--db", Db(), "export", "data", "latest", "--output", out});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot write to '" + out + "/experiments.csv': No space left on device"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace panic::testing
