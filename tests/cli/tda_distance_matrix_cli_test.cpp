// `panic-tda tda distance-matrix` (and the new `tda distance` options) through the built
// executable; numpy reads the npy output and GUDHI checks the bottleneck values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "panic/store/npz_codec.h"
#include "support/test_support.h"

namespace panic::testing {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Three diagrams: H0 with one essential bar each except c (two), H1 with a few bars.
void WriteDiagrams(const TempDir& dir) {
  using tda::Bar;
  WriteFile(dir.File("a.npz"), store::EncodeDiagramNpz(
                                   tda::Diagram{{{Bar{0, kInf}}, {Bar{0, 4}, Bar{1, 1.5f}}}}, {}));
  WriteFile(dir.File("b.npz"), store::EncodeDiagramNpz(
                                   tda::Diagram{{{Bar{0, kInf}}, {Bar{1, 4}, Bar{2, 3}}}}, {}));
  WriteFile(dir.File("c,1.npz"), store::EncodeDiagramNpz(
                                     tda::Diagram{{{Bar{0, kInf}, Bar{0.5f, kInf}}, {Bar{0.25f, 3.5f}}}}, {}));
}

std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (c == '"') {
        if (quoted && i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = !quoted;
        }
      } else if (c == ',' && !quoted) {
        row.push_back(field);
        field.clear();
      } else {
        field += c;
      }
    }
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

TEST(TdaDistanceMatrixCliTest, CsvJsonAndNpyAgree) {
  TempDir dir;
  WriteDiagrams(dir);
  std::vector<std::string> files = {dir.File("a.npz"), dir.File("b.npz"), dir.File("c,1.npz")};
  auto args = [&](std::vector<std::string> extra) {
    std::vector<std::string> v = {"tda", "distance-matrix"};
    v.insert(v.end(), files.begin(), files.end());
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  CommandResult r = RunCli(args({"--metric", "bottleneck", "--threads", "2"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = ParseCsv(r.out);
  ASSERT_EQ(rows.size(), 4u) << r.out;
  EXPECT_EQ(rows[0], (std::vector<std::string>{"diagram", files[0], files[1], files[2]}));
  EXPECT_EQ(rows[3][0], files[2]);  // the comma in the name is quoted
  // H1 bottleneck: a = {(0,4), (1,1.5)}, b = {(1,4), (2,3)}: (0,4)–(1,4) costs 1.
  EXPECT_EQ(std::stod(rows[1][2]), 1.0);
  EXPECT_EQ(std::stod(rows[2][1]), 1.0);
  EXPECT_EQ(std::stod(rows[1][1]), 0.0);

  // JSON: the same numbers, with the metric named.
  r = RunCli(args({"--metric", "bottleneck", "--format", "json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["metric"], "bottleneck");
  EXPECT_EQ(j["dim"], 1);
  EXPECT_EQ(j["diagrams"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    for (size_t k = 0; k < 3; ++k) EXPECT_EQ(j["distances"][i][k].get<double>(), std::stod(rows[i + 1][k + 1]));
  }

  // npy: numpy reads an n × n float64 matrix with the same values; GUDHI agrees.
  r = RunCli(args({"--metric", "bottleneck", "--format", "npy", "--output", dir.File("m.npy")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  if (HaveSystemNumpy()) {
    CommandResult py = RunShell(
        "/usr/bin/python3 -c \"import numpy as np, sys\n"
        "m = np.load(sys.argv[1])\n"
        "print(m.dtype, m.shape, ' '.join('%.17g' % v for v in m.ravel()))\n"
        "try:\n"
        "  import gudhi\n"
        "  a = np.array([[0, 4], [1, 1.5]]); b = np.array([[1, 4], [2, 3]]); c = np.array([[0.25, 3.5]])\n"
        "  g = [[gudhi.bottleneck_distance(x, y) for y in (a, b, c)] for x in (a, b, c)]\n"
        "  print('gudhi', np.abs(np.array(g) - m).max())\n"
        "except ImportError:\n"
        "  pass\" " + ShellQuote(dir.File("m.npy")));
    ASSERT_EQ(py.exit_code, 0) << py.err;
    std::istringstream in(py.out);
    std::string dtype, shape0, shape1;
    in >> dtype >> shape0 >> shape1;
    EXPECT_EQ(dtype, "float64");
    EXPECT_EQ(shape0 + shape1, "(3,3)");
    for (size_t i = 0; i < 3; ++i) {
      for (size_t k = 0; k < 3; ++k) {
        double v = 0;
        ASSERT_TRUE(in >> v);
        EXPECT_EQ(v, std::stod(rows[i + 1][k + 1]));
      }
    }
    std::string tag;
    double gudhi_diff = 0;
    if (in >> tag >> gudhi_diff) {
      EXPECT_LT(gudhi_diff, 1e-12) << py.out;
    }
  }

  // Into a pipe, npy goes to standard output; --format text is the CSV.
  r = RunCli(args({"--metric", "bottleneck", "--format", "npy"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ReadFile(dir.File("m.npy")));
  r = RunCli(args({"--metric", "bottleneck", "--format", "text"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseCsv(r.out), rows);

  // H0: c has two essential bars, the others one → inf in CSV, null in JSON.
  r = RunCli(args({"--metric", "wasserstein", "--order", "2", "--dim", "0"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rows = ParseCsv(r.out);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1][3], "inf");
  EXPECT_EQ(rows[3][2], "inf");
  EXPECT_EQ(std::stod(rows[1][2]), 0.0);
  r = RunCli(args({"--dim", "0", "--format", "json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["metric"], "wasserstein-1");
  EXPECT_TRUE(j["distances"][0][2].is_null());
  EXPECT_EQ(j["solver"], "exact");
  EXPECT_FALSE(j.contains("delta")) << "the exact solver has no error bound";
  r = RunCli(args({"--dim", "0", "--format", "json", "--solver", "auction"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["solver"], "auction");
  EXPECT_EQ(j["delta"], 0.01);

  // Sorted-persistence L1 in H1: [4, 0.5] vs [3, 1] → 1 + 0.5.
  r = RunCli(args({"--metric", "sorted-l1"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rows = ParseCsv(r.out);
  EXPECT_EQ(std::stod(rows[1][2]), 1.5);
}

TEST(TdaDistanceMatrixCliTest, BadInputExitsWithCode2AndSaysWhy) {
  TempDir dir;
  WriteDiagrams(dir);
  auto expect_usage_error = [](const std::vector<std::string>& args, const std::string& what) {
    CommandResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  };
  std::string a = dir.File("a.npz"), b = dir.File("b.npz");
  expect_usage_error({"tda", "distance-matrix", a, b, "--metric", "bottleneck", "--order", "2"}, "--order");
  expect_usage_error({"tda", "distance-matrix", a, b, "--order", "0.5"}, "--order");
  expect_usage_error({"tda", "distance-matrix", a, b, "--solver", "auction", "--delta", "0"}, "--delta");
  expect_usage_error({"tda", "distance-matrix", a, b, "--delta", "0.1"}, "--solver auction");
  expect_usage_error({"tda", "distance-matrix", a, b, "--solver", "hungarian"}, "--solver");
  expect_usage_error({"tda", "distance-matrix", a, b, "--threads", "0"}, "--threads");
  expect_usage_error({"tda", "distance-matrix", a, b, "--dim", "2"}, "--dim");
  expect_usage_error({"tda", "distance-matrix", a, b, "--metric", "l2"}, "--metric");
  expect_usage_error({"tda", "distance-matrix", a, dir.File("missing.npz")}, "missing.npz");
  WriteFile(dir.File("bad.npz"), store::EncodeDiagramNpz(tda::Diagram{{{}, {tda::Bar{2, 1}}}}, {}));
  // The NPZ reader validates every diagram it decodes: the message names the file, then the bar.
  for (const char* command : {"distance-matrix", "distance"}) {
    CommandResult r = RunCli({"tda", command, a, dir.File("bad.npz")});
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.err;
    EXPECT_NE(r.err.find("bad.npz: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("H1 bar 0 (2, 1)"), std::string::npos) << r.err;
  }
}

TEST(TdaDistanceMatrixCliTest, DistanceTakesOrderAndDelta) {
  TempDir dir;
  WriteDiagrams(dir);
  std::string a = dir.File("a.npz"), b = dir.File("b.npz");
  // W2 between a and b in H1, exactly: (0,4)–(1,4) costs 1, (2,3) and (1,1.5) go to the
  // diagonal at 0.5 and 0.25 (cheaper than matching them, at 1.5): √(1 + 0.25 + 0.0625).
  CommandResult r = RunCli({"--json", "tda", "distance", a, b, "--metric", "wasserstein", "--order", "2",
                            "--solver", "auction", "--delta", "1e-9"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["distance"].get<double>(), std::sqrt(1.3125), 1e-9);
  EXPECT_EQ(j["order"], 2.0);
  EXPECT_EQ(j["delta"], 1e-9);
  // The exact solver (the default) gives the same value with no error bound to state.
  r = RunCli({"--json", "tda", "distance", a, b, "--metric", "wasserstein", "--order", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["distance"].get<double>(), std::sqrt(1.3125), 1e-12);
  EXPECT_EQ(j["solver"], "exact");
  EXPECT_FALSE(j.contains("delta"));
  // The default order is 1 (GUDHI's and Hera's): 1 + 0.25 + 0.5.
  r = RunCli({"--json", "tda", "distance", a, b, "--metric", "wasserstein"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["order"], 1.0);
  EXPECT_NEAR(j["distance"].get<double>(), 1.75, 1e-12);
  r = RunCli({"tda", "distance", a, b, "--metric", "wasserstein", "--order", "2", "--p", "2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--order"), std::string::npos) << r.err;
  r = RunCli({"tda", "distance", a, b, "--delta", "0.1"});  // bottleneck takes no delta
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--delta"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace panic::testing
