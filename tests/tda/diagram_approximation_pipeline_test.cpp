// Issue 18, in the pipeline: `options.approximate` / `options.exact_up_to` choose exact or
// (1 + ε)-approximate diagrams per run length; ε is stored in the row, in the NPZ (numpy
// reads it) and shown by `experiment show`. Everything runs through the real CLI with the
// dummy models; the approximate diagrams are checked against the exact ones of the same
// trajectories (an experiment with the same seeds and no approximation) on a log scale.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "panic/engine/diagrams_stage.h"
#include "panic/store/npz_codec.h"
#include "support/sqlite_shell.h"
#include "support/test_support.h"
#include "tda/tda_oracle_helpers.h"

namespace panic {
namespace {

using testing::RunCli;
using testing::RunShell;
using testing::ShellQuote;
using testing::SqlWithStderr;
using testing::TempDir;

// 31 steps of DummyT2I → DummyI2T: 16 images (DummyVision embeds them) and 15 texts
// (DummyText), so `exact_up_to: 15` keeps DummyText exact and makes DummyVision approximate.
std::string Config(const std::string& options) {
  return R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [3, 4], "prompts": ["a loop"],
      "embedding_models": ["DummyText", "DummyVision"], "max_length": 31,
      "options": {"loop_detection": "off", "maxdim": 2)" +
         (options.empty() ? "" : ", " + options) + "}}";
}

std::string RunExperiment(const TempDir& dir, const std::string& name, const std::string& options) {
  const std::string db = dir.File(name + ".db");
  testing::WriteFile(dir.File(name + ".json"), Config(options));
  auto r = RunCli({"--db", db, "experiment", "run", dir.File(name + ".json")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return db;
}

// The stored diagram of run `run_number` under `model`, through `run diagram --format json`.
tda::Diagram StoredDiagram(const std::string& db, int run_number, const std::string& model) {
  const std::string run_id = nlohmann::json::parse(RunCli({"--db", db, "--json", "run", "list"}).out)[run_number - 1]["id"];
  auto r = RunCli({"--db", db, "run", "diagram", run_id, "--model", model, "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json parsed = nlohmann::json::parse(r.out);
  tda::Diagram d;
  for (const auto& dim : parsed["dimensions"]) {
    tda::Bars bars;
    for (const auto& bar : dim["bars"]) {
      bars.push_back({bar[0].get<float>(), bar[1].is_null() ? std::numeric_limits<float>::infinity() : bar[1].get<float>()});
    }
    d.dimensions.push_back(std::move(bars));
  }
  return d;
}

TEST(DiagramApproximationPipelineTest, ExactUpToChoosesTheModePerRunLengthAndEveryOutputSaysIt) {
  TempDir dir;
  const double eps = 0.5;
  const std::string db = RunExperiment(dir, "approx", R"("approximate": 0.5, "exact_up_to": 15)");
  const std::string exact = RunExperiment(dir, "exact", "");

  // The column: NULL for the 15-point (exact) diagrams, ε for the 16-point ones.
  EXPECT_EQ(SqlWithStderr(db, "SELECT embedding_model, point_count, quote(approximation_epsilon), count(*) "
                              "FROM persistence_diagrams WHERE error IS NULL GROUP BY 1, 2, 3 ORDER BY 1"),
            "DummyText|15|NULL|2\nDummyVision|16|0.5|2\n");
  EXPECT_EQ(SqlWithStderr(exact, "SELECT count(*) FROM persistence_diagrams WHERE approximation_epsilon IS NULL "
                                 "AND error IS NULL"),
            "4\n");

  // numpy reads ε from the blob (float64, shape (1,)); an exact blob has no such key.
  if (testing::HaveSystemNumpy()) {
    auto r = RunShell("/usr/bin/python3 -c " + ShellQuote(R"(
import io, sqlite3, sys, numpy as np
con = sqlite3.connect(sys.argv[1])
for model, blob in con.execute("SELECT embedding_model, diagram_data FROM persistence_diagrams ORDER BY 1"):
    z = np.load(io.BytesIO(blob))
    e = z["approximation_epsilon"] if "approximation_epsilon" in z.files else None
    print(model, "exact" if e is None else "%s %s %r" % (e.dtype, e.shape, float(e[0])), int(z["dgms_count"][0]))
)") + " " + db);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out,
              "DummyText exact 3\nDummyText exact 3\nDummyVision float64 (1,) 0.5 3\n"
              "DummyVision float64 (1,) 0.5 3\n");
  }

  // experiment show, JSON and text: how many diagrams per model are approximate, with which ε.
  auto show = RunCli({"--db", db, "--json", "experiment", "show", "latest"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto progress = nlohmann::json::parse(show.out)["embedding_models_progress"];
  EXPECT_EQ(progress["DummyVision"]["diagrams"]["done"], 2);
  EXPECT_EQ(progress["DummyVision"]["diagrams"]["approximate"], 2);
  EXPECT_EQ(progress["DummyVision"]["diagrams"]["approximate_by_epsilon"],
            nlohmann::json::parse(R"([{"epsilon": 0.5, "diagrams": 2}])"));
  EXPECT_EQ(progress["DummyText"]["diagrams"]["approximate"], 0);
  EXPECT_EQ(progress["DummyText"]["diagrams"]["approximate_by_epsilon"], nlohmann::json::array());
  auto text = RunCli({"--db", db, "experiment", "show", "latest"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("DummyVision: 2/2 (2 approximate, ε = 0.5)\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("DummyText: 2/2\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("(completed)"), std::string::npos) << text.out;

  // The diagrams themselves: exact ones equal the exact experiment's; approximate ones are
  // within the guarantee, ln(1 + ε) on a log scale (plus float rounding).
  for (int run = 1; run <= 2; ++run) {
    EXPECT_EQ(testing::CompareDiagrams(StoredDiagram(db, run, "DummyText"), StoredDiagram(exact, run, "DummyText"), 0),
              "");
    const tda::Diagram approx = StoredDiagram(db, run, "DummyVision");
    const tda::Diagram reference = StoredDiagram(exact, run, "DummyVision");
    ASSERT_EQ(approx.num_dimensions(), 3u);
    const double error = testing::LogBottleneck(approx, reference);
    EXPECT_LE(error, std::log1p(eps) + 1e-5) << "run " << run;
    std::printf("run %d DummyVision: log-bottleneck %.4f, bound %.4f\n", run, error, std::log1p(eps));
  }
  // `run diagram` says it too: ε in the JSON (null when exact), a '# approximate' line in text.
  const std::string run_id = nlohmann::json::parse(RunCli({"--db", db, "--json", "run", "list"}).out)[0]["id"];
  auto vision = RunCli({"--db", db, "run", "diagram", run_id, "--model", "DummyVision", "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(vision.out)["approximation_epsilon"], 0.5);
  auto text_model = RunCli({"--db", db, "run", "diagram", run_id, "--model", "DummyText", "--format", "json"});
  EXPECT_TRUE(nlohmann::json::parse(text_model.out)["approximation_epsilon"].is_null());
  vision = RunCli({"--db", db, "run", "diagram", run_id, "--model", "DummyVision"});
  EXPECT_NE(vision.out.find("\n# approximate: sparse Rips, epsilon 0.5 "), std::string::npos) << vision.out;
}

TEST(DiagramApproximationPipelineTest, ApproximateAloneMakesEveryDiagramApproximateAndShowListsEachEpsilon) {
  TempDir dir;
  const std::string db = RunExperiment(dir, "all", R"("approximate": 0.25)");
  EXPECT_EQ(SqlWithStderr(db, "SELECT embedding_model, quote(approximation_epsilon), count(*) FROM persistence_diagrams "
                              "WHERE error IS NULL GROUP BY 1, 2 ORDER BY 1"),
            "DummyText|0.25|2\nDummyVision|0.25|2\n");
  // Two ε in one experiment (a row rewritten as another tool would): show lists both.
  SqlWithStderr(db, "UPDATE persistence_diagrams SET approximation_epsilon = 2 WHERE rowid = (SELECT min(rowid) FROM "
                    "persistence_diagrams WHERE embedding_model = 'DummyText')");
  auto text = RunCli({"--db", db, "experiment", "show", "latest"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("DummyText: 2/2 (2 approximate: 1 with ε = 0.25, 1 with ε = 2)\n"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("DummyVision: 2/2 (2 approximate, ε = 0.25)\n"), std::string::npos) << text.out;
}

TEST(DiagramApproximationPipelineTest, BadValuesExitTwoNamingTheFieldTheValueAndTheRange) {
  TempDir dir;
  struct Case {
    std::string options, message;
  };
  for (const Case& c : std::vector<Case>{
           {R"("approximate": 0)", "options.approximate: 0 is not allowed (a number ε with 0 < ε ≤ 10, or null for exact diagrams)"},
           {R"("approximate": 11)", "options.approximate: 11 is not allowed"},
           {R"("approximate": "0.1")", "options.approximate: \"0.1\" is not allowed"},
           {R"("exact_up_to": -1)", "options.exact_up_to: -1 is not allowed (an integer 0..1000000000 (the longest run, in "
                                    "points, whose diagram is exact), or null)"},
           {R"("exact_up_to": 2.5)", "options.exact_up_to: 2.5 is not allowed"},
       }) {
    testing::WriteFile(dir.File("bad.json"), Config(c.options));
    auto r = RunCli({"--db", dir.File("bad.db"), "experiment", "run", dir.File("bad.json")});
    EXPECT_EQ(r.exit_code, 2) << c.options;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.options << ": " << r.err;
  }
}

TEST(DiagramApproximationPipelineTest, ApproximationForFollowsTheOptions) {
  engine::DiagramsOptions o;
  EXPECT_FALSE(engine::ApproximationFor(o, 100000).has_value());
  o.approximate = 0.2;
  EXPECT_EQ(engine::ApproximationFor(o, 2), 0.2);
  o.exact_up_to = 1000;
  EXPECT_FALSE(engine::ApproximationFor(o, 1000).has_value());
  EXPECT_EQ(engine::ApproximationFor(o, 1001), 0.2);
  o.approximate.reset();  // exact_up_to alone: longer runs use the default ε
  EXPECT_EQ(engine::ApproximationFor(o, 1001), engine::kDefaultApproximation);
  EXPECT_FALSE(engine::ApproximationFor(o, 999).has_value());
}

TEST(DiagramApproximationPipelineTest, NpzEpsilonRoundTripsAndADamagedOneIsCorruption) {
  tda::Diagram d;
  d.dimensions = {{{0, 1}, {0, std::numeric_limits<float>::infinity()}}, {{0.5f, 0.75f}}};
  auto exact = store::DecodeDiagramNpz(store::EncodeDiagramNpz(d, {0.1f, 0.2f}));
  ASSERT_TRUE(exact.ok());
  EXPECT_FALSE(exact->approximation_epsilon.has_value());
  auto approx = store::DecodeDiagramNpz(store::EncodeDiagramNpz(d, {0.1f, 0.2f}, 0.1));
  ASSERT_TRUE(approx.ok());
  EXPECT_EQ(approx->approximation_epsilon, 0.1);  // float64: exact
  EXPECT_EQ(approx->diagram.dimensions, d.dimensions);
  for (double bad : {-1.0, 0.0, std::numeric_limits<double>::infinity(), std::nan("")}) {
    auto r = store::DecodeDiagramNpz(store::EncodeDiagramNpz(d, {}, bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("approximation_epsilon must be a finite number > 0"), std::string::npos)
        << r.status().ToString();
  }
  store::NpzArchive two;
  two["dgms_count"] = store::MakeNpyInt64({0}, {1});
  two["approximation_epsilon"] = store::MakeNpyFloat32({0.1f, 0.2f}, {2});
  auto r = store::DecodeDiagramNpz(store::EncodeNpz(two));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("approximation_epsilon must hold one float"), std::string::npos);
}

}  // namespace
}  // namespace panic
