// `panic-tda tda ph` and `tda distance` through the built executable.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "panic/store/npy_codec.h"
#include "panic/store/npz_codec.h"
#include "support/test_support.h"

namespace panic::testing {
namespace {

// 12 points on a circle of radius 1: one H1 bar.
std::string CircleCsv() {
  std::string s;
  for (int i = 0; i < 12; ++i) {
    double t = 2 * M_PI * i / 12;
    s += std::to_string(std::cos(t)) + "," + std::to_string(std::sin(t)) + "\n";
  }
  return s;
}

std::vector<float> CircleValues() {
  std::vector<float> v;
  for (int i = 0; i < 12; ++i) {
    double t = 2 * M_PI * i / 12;
    v.push_back(static_cast<float>(std::cos(t)));
    v.push_back(static_cast<float>(std::sin(t)));
  }
  return v;
}

TEST(TdaCliTest, PhFromCsvPrintsBarsAndEntropy) {
  TempDir dir;
  WriteFile(dir.File("circle.csv"), CircleCsv());
  CommandResult r = RunCli({"tda", "ph", dir.File("circle.csv"), "--maxdim", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("# H0: 12 bars"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("# H1: 1 bar,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 0 inf\n"), std::string::npos) << r.out;
}

// --progress names each phase on stderr as it ends, in order, and changes nothing on stdout.
TEST(TdaCliTest, PhProgressNamesThePhasesOnStderr) {
  TempDir dir;
  WriteFile(dir.File("circle.csv"), CircleCsv());
  const CommandResult plain = RunCli({"tda", "ph", dir.File("circle.csv"), "--maxdim", "2"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.err, "");
  const CommandResult r = RunCli({"tda", "ph", dir.File("circle.csv"), "--maxdim", "2", "--progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, plain.out);
  size_t at = 0;
  for (const char* phase : {"distances", "rank keys", "vertices renumbered", "dimension 0", "byte copies",
                            "dimension 1 reduced", "dimension 1 bars", "dimension 2 columns", "dimension 2 reduced",
                            "dimension 2 bars"}) {
    const size_t found = r.err.find(std::string("tda ph: ") + phase + " (", at);
    ASSERT_NE(found, std::string::npos) << phase << " in order in:\n" << r.err;
    at = found + 1;
  }
}

TEST(TdaCliTest, PhFromNpyAsJsonAndNpz) {
  TempDir dir;
  WriteFile(dir.File("circle.npy"), store::EncodeNpy(store::MakeNpyFloat32(CircleValues(), {12, 2})));
  CommandResult r = RunCli({"tda", "ph", dir.File("circle.npy"), "--maxdim", "1", "--format", "json", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["points"], 12);
  ASSERT_EQ(j["dimensions"].size(), 2u);
  EXPECT_EQ(j["dimensions"][0]["bars"].size(), 12u);
  EXPECT_EQ(j["dimensions"][1]["dim"], 1);
  EXPECT_EQ(j["dimensions"][1]["bars"].size(), 1u);
  EXPECT_TRUE(j["dimensions"][0]["bars"].back()[1].is_null());  // the essential H0 bar
  EXPECT_TRUE(j["dimensions"][1]["entropy"].is_number());

  r = RunCli({"tda", "ph", dir.File("circle.npy"), "--format", "npz", "--output", dir.File("a.npz")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto d = store::DecodeDiagramNpz(ReadFile(dir.File("a.npz")));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->diagram.num_dimensions(), 3u);
  EXPECT_EQ(d->diagram.bars(1).size(), 1u);
  EXPECT_EQ(d->entropy.size(), 3u);
}

TEST(TdaCliTest, DistanceBetweenTwoNpzFiles) {
  TempDir dir;
  WriteFile(dir.File("a.npz"), store::EncodeDiagramNpz(tda::Diagram{{{}, {tda::Bar{0, 4}}}}, {}));
  WriteFile(dir.File("b.npz"), store::EncodeDiagramNpz(tda::Diagram{{{}, {tda::Bar{1, 4}, tda::Bar{2, 3}}}}, {}));
  CommandResult r = RunCli({"tda", "distance", dir.File("a.npz"), dir.File("b.npz")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
  r = RunCli({"tda", "distance", dir.File("a.npz"), dir.File("b.npz"), "--metric", "wasserstein", "--p", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1.5\n");
  r = RunCli({"tda", "distance", dir.File("a.npz"), dir.File("b.npz"), "--metric", "sorted-l1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2\n");
  r = RunCli({"--json", "tda", "distance", dir.File("a.npz"), dir.File("b.npz"), "--dim", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["distance"], 0.0);
  r = RunCli({"tda", "distance", dir.File("a.npz"), dir.File("b.npz"), "--dim", "2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--dim"), std::string::npos) << r.err;
}

TEST(TdaCliTest, BadInputExitsWithCode2AndSaysWhy) {
  TempDir dir;
  auto expect_usage_error = [](const std::vector<std::string>& args, const std::string& what) {
    CommandResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  };
  expect_usage_error({"tda", "ph", dir.File("missing.csv")}, "cannot open");
  WriteFile(dir.File("ragged.csv"), "0,0\n1,1\n2\n");
  expect_usage_error({"tda", "ph", dir.File("ragged.csv")}, "line 3");
  WriteFile(dir.File("nan.csv"), "0,0\nnan,1\n");
  expect_usage_error({"tda", "ph", dir.File("nan.csv")}, "finite");
  WriteFile(dir.File("words.csv"), "0,0\nx,1\n");
  expect_usage_error({"tda", "ph", dir.File("words.csv")}, "not a number");
  WriteFile(dir.File("flat.npy"), store::EncodeNpy(store::MakeNpyFloat32({1, 2, 3}, {3})));
  expect_usage_error({"tda", "ph", dir.File("flat.npy")}, "1-D");
  WriteFile(dir.File("ints.npy"), store::EncodeNpy(store::MakeNpyInt64({1, 2, 3, 4}, {2, 2})));
  expect_usage_error({"tda", "ph", dir.File("ints.npy")}, "int64");
  std::vector<float> inf_values = {0, 0, INFINITY, 1};
  WriteFile(dir.File("inf.npy"), store::EncodeNpy(store::MakeNpyFloat32(inf_values, {2, 2})));
  expect_usage_error({"tda", "ph", dir.File("inf.npy")}, "not finite");
  WriteFile(dir.File("ok.csv"), CircleCsv());
  expect_usage_error({"tda", "ph", dir.File("ok.csv"), "--maxdim", "4"}, "--maxdim");
  expect_usage_error({"tda", "ph", dir.File("ok.csv"), "--metric", "manhattan"}, "--metric");
  // (--format npz into a pipe is written; on a terminal it is refused: cli_points_test.cpp.)
  expect_usage_error({"tda", "distance", dir.File("ok.csv"), dir.File("ok.csv")}, "npz");
}

// Every bad option value names the option, the value as given and what is allowed
// (ParsedArgs::GetIntIn / NotAllowed). --modulus above the int range used to wrap into a
// small prime (4294967299 computed over Z/3) and exit 0.
TEST(TdaCliTest, BadOptionValuesNameTheOptionTheValueAndTheRule) {
  TempDir dir;
  WriteFile(dir.File("ok.csv"), CircleCsv());
  const std::string ok = dir.File("ok.csv");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"ph", ok, "--modulus", "4294967299"}, "--modulus: 4294967299 is not allowed (an integer 2..255; a prime)"},
      {{"ph", ok, "--modulus", "1"}, "--modulus: 1 is not allowed (an integer 2..255; a prime)"},
      {{"ph", ok, "--maxdim", "4"}, "--maxdim: 4 is not allowed (an integer 0..3)"},
      {{"ph", ok, "--threads", "0"}, "--threads: 0 is not allowed (an integer 1..1024)"},
      {{"ph", ok, "--threshold", "-1"}, "--threshold: -1 is not allowed (a number ≥ 0)"},
      {{"ph", ok, "--memory-limit", "0"}, "--memory-limit: 0 is not allowed (a number of GiB in (0, 1048576])"},
      {{"ph", ok, "--approximate", "11"}, "--approximate: 11 is not allowed (a number in (0, 10])"},
      {{"distance", ok, ok, "--dim", "-1"}, "--dim: -1 is not allowed (an integer ≥ 0)"},
      {{"distance-matrix", ok, "--threads", "2000"}, "--threads: 2000 is not allowed (an integer 1..1024)"},
      {{"distance-matrix", ok, "--metric", "wasserstein", "--order", "2", "--p", "2"}, "--p is the older name"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"tda"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CommandResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << c.message << ": " << r.out << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
}

// The ε of `tda ph --approximate` is printed as given (it was rounded through float: 0.1
// printed as 0.100000001).
TEST(TdaCliTest, ApproximateEpsilonIsPrintedAsGiven) {
  TempDir dir;
  WriteFile(dir.File("ok.csv"), CircleCsv());
  CommandResult r = RunCli({"tda", "ph", dir.File("ok.csv"), "--maxdim", "1", "--approximate", "0.1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("# approximate: sparse Rips, epsilon 0.1 (", 0), 0u) << r.out;
}

// Issue 9 §3: a directory given to `tda distance` exited 1 with an internal message, and
// diagrams with NaN bars, a −inf birth or death < birth gave numbers.
TEST(TdaCliTest, DistanceRefusesDirectoriesAndInvalidDiagrams) {
  TempDir dir;
  WriteFile(dir.File("a.npz"), store::EncodeDiagramNpz(tda::Diagram{{{}, {tda::Bar{0, 4}}}}, {}));
  CommandResult r = RunCli({"tda", "distance", dir.path().string(), dir.File("a.npz")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal"), std::string::npos) << r.err;
  r = RunCli({"tda", "ph", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  struct Case {
    const char* file;
    tda::Bar bar;
    const char* what;
  };
  for (const Case& c : {Case{"nan.npz", tda::Bar{0, nan}, "death must be a number"},
                        Case{"nan_birth.npz", tda::Bar{nan, 1}, "birth must be finite"},
                        Case{"neg_inf.npz", tda::Bar{-INFINITY, 1}, "birth must be finite"},
                        Case{"reversed.npz", tda::Bar{3, 2}, "death must not precede the birth"}}) {
    WriteFile(dir.File(c.file), store::EncodeDiagramNpz(tda::Diagram{{{}, {c.bar}}}, {}));
    r = RunCli({"tda", "distance", dir.File("a.npz"), dir.File(c.file)});
    EXPECT_EQ(r.exit_code, 2) << c.file << ": " << r.out << r.err;
    EXPECT_TRUE(r.out.empty()) << c.file << " gave " << r.out;
    EXPECT_NE(r.err.find(c.what), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.file), std::string::npos) << r.err;
  }
}

TEST(TdaCliTest, NonFiniteTextValuesAreReportedWithLineAndColumn) {
  TempDir dir;
  WriteFile(dir.File("inf.csv"), "0,0\n# comment\n1, 1e39\n");
  CommandResult r = RunCli({"tda", "ph", dir.File("inf.csv")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("line 3, column 4: 1e39 is not a finite number"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace panic::testing
