// `panic-tda analyse …` through the built executable on a dummy-model experiment. The
// tables are read back by pandas (Debian's /usr/bin/python3), and the values checked against
// numpy computing the definitions from the database's own rows (sqlite3 + frombuffer):
// drift from the stored prompt embeddings and first images, transition counts and run
// lengths from labels planted in embedding_clusters, the sorted-persistence L1 from the
// stored NPZ diagrams.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace panic::testing {
namespace {

constexpr const char* kConfig = R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1, 2, 3],
  "prompts": ["a red fox", "a blue whale"], "embedding_models": ["DummyText", "DummyVision"], "max_length": 20,
  "options": {"loop_detection": "off"}})";

// A clustering of the DummyText embeddings with labels planted from the step:
// (seq / 4) % 3, and -1 (outlier) at steps 9 and 17.
constexpr const char* kPlantClustering = R"PY(
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("INSERT INTO clustering_results (id, experiment_id, embedding_model, algorithm, parameters, started_at, completed_at) "
            "SELECT 'c0ffee00-0000-7000-8000-000000000001', id, 'DummyText', 'planted', '{}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z' FROM experiments")
rows = con.execute("SELECT e.id, i.sequence_number FROM embeddings e JOIN invocations i ON i.id = e.invocation_id "
                   "WHERE e.embedding_model = 'DummyText'").fetchall()
for n, (eid, seq) in enumerate(rows):
    label = -1 if seq in (9, 17) else (seq // 4) % 3
    con.execute("INSERT INTO embedding_clusters (id, embedding_id, clustering_result_id, cluster_label) VALUES (?, ?, ?, ?)",
                ('c0ffee00-0000-7000-8000-%012d' % (n + 10), eid, 'c0ffee00-0000-7000-8000-000000000001', label))
con.commit()
)PY";

class AnalyseCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    WriteFile(dir_->File("cfg.json"), kConfig);
    auto r = RunCli({"--db", Db(), "experiment", "run", dir_->File("cfg.json")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    WriteFile(dir_->File("plant.py"), kPlantClustering);
    auto p = RunShell("/usr/bin/python3 " + ShellQuote(dir_->File("plant.py")) + " " + ShellQuote(Db()));
    ASSERT_EQ(p.exit_code, 0) << p.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string Db() { return dir_->File("a.db"); }
  // Runs a python check with argv[1] = the database, argv[2] = `file`; asserts it prints "ok".
  static void Check(const std::string& script, const std::string& file) {
    WriteFile(dir_->File("check.py"), script);
    auto r = RunShell("/usr/bin/python3 " + ShellQuote(dir_->File("check.py")) + " " + ShellQuote(Db()) + " " +
                      ShellQuote(file));
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(r.out.substr(0, 2), "ok") << r.out << r.err;
  }
  static TempDir* dir_;
};
TempDir* AnalyseCliTest::dir_ = nullptr;

TEST_F(AnalyseCliTest, DriftIsTheDistanceOfUnitVectorsFromThePromptOrFirstImage) {
  const std::string csv = dir_->File("drift.csv");
  auto r = RunCli({"--db", Db(), "analyse", "drift", "latest", "--format", "csv", "--output", csv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Check(R"PY(
import sys, sqlite3, numpy as np, pandas as pd
con = sqlite3.connect(sys.argv[1]); df = pd.read_csv(sys.argv[2])
assert list(df.columns) == ["experiment_id", "run_id", "invocation_id", "sequence_number", "embedding_model", "network",
                            "image_model", "text_model", "initial_prompt", "reference", "semantic_drift"], list(df.columns)
prompts = {(m, p): np.frombuffer(v, "<f4").astype(float) for p, m, v in
           con.execute("SELECT initial_prompt, embedding_model, vector FROM prompt_embeddings")}
assert len(prompts) == 2, prompts.keys()
first, want = {}, {}
for rid, prompt, seq, typ, model, vec in con.execute(
    "SELECT r.id, r.initial_prompt, i.sequence_number, i.type, e.embedding_model, e.vector FROM embeddings e "
    "JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id ORDER BY r.run_number, i.sequence_number"):
    v = np.frombuffer(vec, "<f4").astype(float)
    ref = first.setdefault((rid, model), v) if typ == "image" else prompts[(model, prompt)]
    want[(rid, model, seq)] = np.linalg.norm(v / np.linalg.norm(v) - ref / np.linalg.norm(ref))
assert len(df) == len(want) == 120, (len(df), len(want))
for t in df.itertuples():
    w = want[(t.run_id, t.embedding_model, t.sequence_number)]
    assert abs(t.semantic_drift - w) < 1e-9, (t, w)
    assert t.network == "DummyT2I\u2192DummyI2T" and t.image_model == "DummyT2I" and t.text_model == "DummyI2T"
    assert t.reference == ("prompt" if t.embedding_model == "DummyText" else "first_image")
assert (df[df.reference == "first_image"].groupby("run_id").semantic_drift.min() == 0).all()
print("ok")
)PY", csv);
}

TEST_F(AnalyseCliTest, LyapunovTablesLoadInPandasAndJsonAgrees) {
  const std::string csv = dir_->File("lyapunov.csv");
  ASSERT_EQ(RunCli({"--db", Db(), "analyse", "lyapunov", "--format", "csv", "--output", csv}).exit_code, 0);
  Check(R"PY(
import sys, sqlite3, numpy as np, pandas as pd
con = sqlite3.connect(sys.argv[1]); df = pd.read_csv(sys.argv[2])
assert len(df) == 6, df
assert sorted(df.num_pairs.tolist()) == [3, 3, 3, 3, 9, 9]
for t in df.itertuples():
    curve, = con.execute("SELECT curve FROM lyapunov_results WHERE embedding_model = ? AND initial_prompt = ? AND "
                         "other_prompt = ?", (t.embedding_model, t.initial_prompt,
                                              "" if pd.isna(t.other_prompt) else t.other_prompt)).fetchone()
    d = np.frombuffer(curve, "<f8")
    assert len(d) == t.num_timesteps == 10
    slope = np.polyfit(np.arange(len(d)), np.log(np.maximum(d, 1e-10)), 1)[0]
    assert abs(slope - t.exponent) < 1e-12, (slope, t.exponent)
    assert t.bounded_status in ("ok", "below_range", "above_range", "degenerate")
    if t.bounded_status == "above_range": assert np.isinf(t.tau) and pd.isna(t.d_inf)
print("ok")
)PY", csv);
  auto j = RunCli({"--db", Db(), "analyse", "lyapunov", "--curves", "--format", "json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  auto rows = nlohmann::json::parse(j.out);
  ASSERT_EQ(rows.size(), 60u);
  EXPECT_EQ(rows[0]["timestep"], 0);
  EXPECT_TRUE(rows[0]["divergence"].is_number());
}

TEST_F(AnalyseCliTest, TransitionsAndRunLengthsMatchThePlantedLabels) {
  const std::string t_csv = dir_->File("transitions.csv"), r_csv = dir_->File("runlengths.csv");
  auto t = RunCli({"--db", Db(), "analyse", "transitions", "--clustering", "latest", "--format", "csv", "--output",
                   t_csv});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  ASSERT_EQ(RunCli({"--db", Db(), "analyse", "runlengths", "--format", "csv", "--output", r_csv}).exit_code, 0);
  // Outliers skipped (the default, as the Python reference): pandas' own shift-and-count.
  Check(R"PY(
import sys, sqlite3, pandas as pd
con = sqlite3.connect(sys.argv[1])
labels = pd.read_sql("SELECT r.id AS run_id, i.sequence_number AS seq, c.cluster_label AS label FROM embedding_clusters c "
                     "JOIN embeddings e ON e.id = c.embedding_id JOIN invocations i ON i.id = e.invocation_id "
                     "JOIN runs r ON r.id = i.run_id ORDER BY r.run_number, i.sequence_number", con)
kept = labels[labels.label != -1].copy()
kept["next"] = kept.groupby("run_id").label.shift(-1)
pairs = kept.dropna().astype({"next": int}).groupby(["label", "next"]).size()
got = pd.read_csv(sys.argv[2])
assert len(got) == len(pairs), (got, pairs)
for row in got.itertuples():
    assert pairs[(row.from_cluster, row.to_cluster)] == row.count, row
    total = pairs[row.from_cluster].sum()
    assert abs(row.probability - row.count / total) < 1e-12
print("ok")
)PY", t_csv);
  Check(R"PY(
import sys, sqlite3, pandas as pd
con = sqlite3.connect(sys.argv[1])
labels = pd.read_sql("SELECT r.id AS run_id, i.sequence_number AS seq, c.cluster_label AS label FROM embedding_clusters c "
                     "JOIN embeddings e ON e.id = c.embedding_id JOIN invocations i ON i.id = e.invocation_id "
                     "JOIN runs r ON r.id = i.run_id ORDER BY r.run_number, i.sequence_number", con)
kept = labels[labels.label != -1].copy()
kept["block"] = (kept.label != kept.groupby("run_id").label.shift()).cumsum()
want = kept.groupby(["run_id", "block"]).agg(label=("label", "first"), start=("seq", "first"), n=("seq", "size"))
got = pd.read_csv(sys.argv[2])
assert len(got) == len(want), (len(got), len(want))
assert got.cluster_label.tolist() == want.label.tolist()
assert got.start_sequence_number.tolist() == want.start.tolist()
assert got.run_length.tolist() == want.n.tolist()
print("ok")
)PY", r_csv);
  auto chain = RunCli({"--db", Db(), "analyse", "transitions", "--chain", "--format", "json"});
  ASSERT_EQ(chain.exit_code, 0) << chain.err;
  auto rows = nlohmann::json::parse(chain.out);
  ASSERT_EQ(rows.size(), 3u);
  double total = 0;
  for (const auto& r : rows) total += r["stationary"].get<double>();
  EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST_F(AnalyseCliTest, SortedL1DistancesAreTheReferencesFromTheStoredDiagrams) {
  const std::string csv = dir_->File("distances.csv");
  auto r = RunCli({"--db", Db(), "analyse", "distances", "--model", "DummyVision", "--metric", "sorted-l1", "--dim",
                   "1", "--format", "csv", "--output", csv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Check(R"PY(
import io, sys, sqlite3, numpy as np, pandas as pd
con = sqlite3.connect(sys.argv[1])
bars = {rid: np.load(io.BytesIO(blob))["dgms_1"] for rid, blob in con.execute(
    "SELECT run_id, diagram_data FROM persistence_diagrams WHERE embedding_model = 'DummyVision'")}
def l1(a, b):
    pa = np.sort((a[:, 1] - a[:, 0])[np.isfinite(a).all(axis=1)].astype(float))[::-1]
    pb = np.sort((b[:, 1] - b[:, 0])[np.isfinite(b).all(axis=1)].astype(float))[::-1]
    n = max(len(pa), len(pb)); pa = np.pad(pa, (0, n - len(pa))); pb = np.pad(pb, (0, n - len(pb)))
    return np.abs(pa - pb).sum()
got = pd.read_csv(sys.argv[2])
assert len(got) == 6 * 5 // 2, len(got)
for t in got.itertuples():
    assert abs(t.distance - l1(bars[t.run_id_a], bars[t.run_id_b])) < 1e-6, t
print("ok")
)PY", csv);
}

TEST_F(AnalyseCliTest, WassersteinDistancesAreExactOnTheStoredDiagrams) {
  // The default solver is exact: W1 equals scipy's dense assignment on the stored NPZ
  // diagrams; Hera's auction (--solver auction) lies within its delta above it.
  const std::string exact = dir_->File("w1.csv"), auction = dir_->File("w1_auction.csv");
  auto r = RunCli({"--db", Db(), "analyse", "distances", "--model", "DummyVision", "--format", "csv", "--output", exact});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto a = RunCli({"--db", Db(), "analyse", "distances", "--model", "DummyVision", "--solver", "auction", "--delta",
                   "0.01", "--format", "csv", "--output", auction});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  Check(R"PY(
import io, sys, sqlite3, numpy as np, pandas as pd
from scipy.optimize import linear_sum_assignment
con = sqlite3.connect(sys.argv[1])
bars = {rid: np.load(io.BytesIO(blob))["dgms_1"].astype(float) for rid, blob in con.execute(
    "SELECT run_id, diagram_data FROM persistence_diagrams WHERE embedding_model = 'DummyVision'")}
def w1(a, b):
    a = a[a[:, 1] > a[:, 0]]; b = b[b[:, 1] > b[:, 0]]
    n, m = len(a), len(b)
    c = np.zeros((n + m, n + m))
    if n and m: c[:n, :m] = np.maximum(np.abs(a[:, None, 0] - b[None, :, 0]), np.abs(a[:, None, 1] - b[None, :, 1]))
    if n: c[:n, m:] = ((a[:, 1] - a[:, 0]) / 2)[:, None]
    if m: c[n:, :m] = ((b[:, 1] - b[:, 0]) / 2)[None, :]
    r, k = linear_sum_assignment(c)
    return c[r, k].sum()
got = pd.read_csv(sys.argv[2], float_precision="round_trip")
auction = pd.read_csv(sys.argv[2].replace("w1.csv", "w1_auction.csv"), float_precision="round_trip")
assert len(got) == 15 and (got.metric == "wasserstein-1").all(), got
assert sum(len(b) for b in bars.values()) > 0
for t, u in zip(got.itertuples(), auction.itertuples()):
    want = w1(bars[t.run_id_a], bars[t.run_id_b])
    assert abs(t.distance - want) <= 1e-12 * want + 1e-15, (t, want)
    assert (u.run_id_a, u.run_id_b) == (t.run_id_a, t.run_id_b)
    assert t.distance * (1 - 1e-12) <= u.distance <= t.distance * 1.01 + 1e-15, (t.distance, u.distance)
print("ok")
)PY", exact);
}

TEST_F(AnalyseCliTest, ParquetOutputReadByHyparquetEqualsTheCsv) {
  const std::string root = HyparquetRoot();
  const std::string lib = root + "/node_modules/hyparquet/src/node.js";
  if (!std::filesystem::exists(lib) || RunShell("command -v node").exit_code != 0) {
    GTEST_SKIP() << "hyparquet is not installed in " << root << " (scripts/setup.sh installs it)";
  }
  WriteFile(dir_->File("to_json.mjs"), R"JS(
const [, , lib, input, output] = process.argv;
const { asyncBufferFromFile, parquetReadObjects } = await import(lib);
const rows = await parquetReadObjects({ file: await asyncBufferFromFile(input) });
const fs = await import('node:fs');
fs.writeFileSync(output, JSON.stringify(rows, (k, v) =>
  typeof v === 'bigint' ? Number(v) : (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
)JS");
  // Three tables with strings, integers, doubles and NULLs: drift, W1 distances, runs.
  const std::vector<std::vector<std::string>> tables = {
      {"drift"}, {"distances", "--model", "DummyVision"}, {"runs"}};
  for (const auto& t : tables) {
    const std::string name = t[0], pq = dir_->File(name + ".parquet"), csv = dir_->File(name + "_twin.csv");
    std::vector<std::string> args = {"--db", Db(), "analyse"};
    args.insert(args.end(), t.begin(), t.end());
    std::vector<std::string> as_csv = args;
    args.insert(args.end(), {"--format", "parquet", "--output", pq});
    auto r = RunCli(args);
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_EQ(r.out, "") << name;
    as_csv.insert(as_csv.end(), {"--format", "csv", "--output", csv});
    ASSERT_EQ(RunCli(as_csv).exit_code, 0) << name;
    const std::string json = dir_->File(name + ".json");
    auto n = RunShell("node " + ShellQuote(dir_->File("to_json.mjs")) + " " + ShellQuote(lib) + " " + ShellQuote(pq) +
                      " " + ShellQuote(json));
    ASSERT_EQ(n.exit_code, 0) << name << ": " << n.err;
    Check(R"PY(
import json, math, sys, pandas as pd
csv_path = sys.argv[2]
csv = pd.read_csv(csv_path, keep_default_na=False, na_values=[""], float_precision="round_trip")
pq = json.load(open(csv_path.replace("_twin.csv", ".json")))
assert len(pq) == len(csv) and len(csv) > 0, (len(pq), len(csv))
for i, row in enumerate(csv.to_dict("records")):
    got = pq[i]
    assert list(got.keys()) == list(csv.columns), list(got.keys())
    for k, want in row.items():
        g = got[k]
        if isinstance(want, float) and math.isnan(want):
            assert g is None or g == "NaN", (i, k, g)
        elif isinstance(want, float):
            assert float(g) == want, (i, k, g, want)
        else:
            assert g == want, (i, k, g, want)
print("ok")
)PY", csv);
  }
}

TEST_F(AnalyseCliTest, RunsAndChangePointsAndTextOutput) {
  auto runs = RunCli({"--db", Db(), "analyse", "runs", "--format", "json"});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  auto rows = nlohmann::json::parse(runs.out);
  ASSERT_EQ(rows.size(), 6u);
  for (const auto& r : rows) {
    EXPECT_EQ(r["length"], 20);
    EXPECT_EQ(r["stop_reason"], "length");
    EXPECT_TRUE(r["loop_length"].is_null());
  }
  auto text = RunCli({"--db", Db(), "analyse", "runs", "--durations"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("DummyT2I"), std::string::npos) << text.out;
  // "table" is the default format; "text" is its old name.
  auto runs_table = RunCli({"--db", Db(), "analyse", "runs", "--format", "table"});
  auto runs_text = RunCli({"--db", Db(), "analyse", "runs", "--format", "text"});
  auto runs_default = RunCli({"--db", Db(), "analyse", "runs"});
  ASSERT_EQ(runs_table.exit_code, 0) << runs_table.err;
  EXPECT_EQ(runs_table.out, runs_text.out);
  EXPECT_EQ(runs_table.out, runs_default.out);
  EXPECT_NE(runs_table.out.find("stop_reason"), std::string::npos) << runs_table.out;
  // At the reference penalty 10-step runs have no change point; a small penalty finds some,
  // each at least min_size = 5 points from either end.
  auto none = RunCli({"--db", Db(), "analyse", "changepoints", "--format", "json"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(nlohmann::json::parse(none.out).size(), 0u);
  auto some = RunCli({"--db", Db(), "analyse", "changepoints", "--penalty", "0.01", "--format", "json"});
  ASSERT_EQ(some.exit_code, 0) << some.err;
  auto cps = nlohmann::json::parse(some.out);
  EXPECT_FALSE(cps.empty());
  for (const auto& c : cps) {
    EXPECT_GE(c["change_point"].get<int>(), 5);
    EXPECT_LE(c["change_point"].get<int>(), c["num_points"].get<int>() - 5);
  }
}

TEST_F(AnalyseCliTest, BadInputIsExitTwoAndNamesTheValue) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"drift", "--format", "xml"}, "--format: 'xml' is not one of: table, text, csv, json, parquet"},
      {{"drift", "--format", "parquet"}, "--output: --format parquet needs --output FILE"},
      {{"distances", "--delta", "0.1"}, "--delta applies only to --solver auction"},
      {{"distances", "--solver", "hungarian"}, "--solver: 'hungarian'"},
      {{"drift", "--experiment", "zzz"}, "'zzz'"},
      {{"transitions", "--clustering", "fff"}, "'fff'"},
      {{"transitions", "--outliers", "drop"}, "--outliers: 'drop'"},
      {{"distances", "--dim", "-1"}, "--dim: -1"},
      {{"distances", "--metric", "bottleneck", "--order", "2"}, "--order, --solver and --delta apply only"},
      {{"changepoints", "--penalty", "0"}, "--penalty: 0"},
      {{"transitions", "--model", "DummyVision"}, "is of DummyText"},
      {{"lyapunov", "--threads", "0"}, "--threads: 0"},
      // Checked before any diagram is read (it used to surface from the kernel, after the
      // several-models error and without the option's dashes).
      {{"distances", "--order", "0.5"}, "--order: 0.500000 must be a finite number ≥ 1"},
      {{"distances", "--dim", "65"}, "--dim: 65 is not allowed (an integer 0..64)"},
      // A model none of the experiments has gave empty tables and exit 0.
      {{"drift", "--model", "DummyTxet"},
       "--model: 'DummyTxet' is not allowed (an embedding model of the experiments: DummyText, DummyVision)"},
      {{"runs", "--model", "Nope"}, "--model: 'Nope' is not allowed"},
      // The diagrams have dimensions 0..2: H3 was not computed, so it is not compared as empty.
      {{"distances", "--model", "DummyText", "--dim", "3"}, "--dim: 3 is not allowed (the DummyText diagram of run"},
      // A folder as --output: refused before any work, naming the option (it was found when the
      // table was written: exit 1, "cannot write '…': it is a directory").
      {{"drift", "--output", dir_->path().string()}, "--output: '" + dir_->path().string() + "' is a folder, not a file"},
      {{"runs", "--format", "parquet", "--output", dir_->path().string()}, "' is a folder, not a file"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"--db", Db(), "analyse"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << c.args[0] << " " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
  auto missing = RunCli({"--db", dir_->File("none.db"), "analyse", "drift"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
}

}  // namespace
}  // namespace panic::testing
