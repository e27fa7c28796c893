// `panic-tda cluster points` through the built executable: formats, defaults, the
// library's own result, and bad input (exit 2).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cluster/caption_like_data.h"
#include "panic/cluster/hdbscan.h"
#include "panic/store/npy_codec.h"
#include "support/test_support.h"

namespace panic::testing {
namespace {

std::string WriteNpy(const TempDir& dir, const LabelledCloud& cloud) {
  const std::string path = dir.File("points.npy");
  WriteFile(path, store::EncodeNpy(store::MakeNpyFloat32(cloud.values, {cloud.n, cloud.dim})));
  return path;
}

std::string Csv(const LabelledCloud& cloud) {
  std::ostringstream os;
  os.precision(9);
  for (size_t i = 0; i < cloud.n; ++i) {
    for (size_t k = 0; k < cloud.dim; ++k) os << (k ? "," : "") << cloud.values[i * cloud.dim + k];
    os << "\n";
  }
  return os.str();
}

TEST(ClusterCliTest, JsonReportsDefaultsPathAndMedoids) {
  TempDir dir;
  auto cloud = CaptionLikeCloud(3000, 16, 6, 0.3, 0.3, 71);
  CommandResult r = RunCli({"--json", "cluster", "points", WriteNpy(dir, cloud), "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["algorithm"], "hdbscan");
  EXPECT_EQ(j["path"], "exact");
  EXPECT_EQ(j["points"], 3000);
  EXPECT_EQ(j["parameters"]["min_cluster_size"], 3);  // max(2, ⌊0.001 · 3000⌋)
  EXPECT_EQ(j["parameters"]["min_samples"], 3);
  EXPECT_DOUBLE_EQ(j["parameters"]["cluster_selection_epsilon"].get<double>(), 0.4);
  EXPECT_EQ(j["parameters"]["allow_single_cluster"], true);
  ASSERT_EQ(j["labels"].size(), 3000u);
  ASSERT_GE(j["clusters"].size(), 1u);
  for (const auto& c : j["clusters"]) {
    const size_t medoid = c["medoid"];
    EXPECT_EQ(j["labels"][medoid], c["label"]);
  }
}

TEST(ClusterCliTest, CsvInputAndOutputMatchTheLibrary) {
  TempDir dir;
  auto cloud = CaptionLikeCloud(600, 8, 4, 0.3, 0.3, 72);
  WriteFile(dir.File("points.csv"), Csv(cloud));
  CommandResult r = RunCli({"cluster", "points", dir.File("points.csv"), "--min-cluster-size", "10",
                            "--epsilon", "0", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The library on the same (text-rounded) values.
  std::vector<float> values;
  std::istringstream csv(Csv(cloud));
  for (std::string line; std::getline(csv, line);) {
    std::istringstream fields(line);
    for (std::string f; std::getline(fields, f, ',');) values.push_back(std::stof(f));
  }
  cluster::HdbscanOptions o = cluster::ReferenceDefaults(cloud.n);
  o.min_cluster_size = o.min_samples = 10;
  o.cluster_selection_epsilon = 0;
  auto expected = cluster::Hdbscan(values, cloud.n, cloud.dim, o);
  ASSERT_TRUE(expected.ok());
  std::istringstream out(r.out);
  std::string line;
  std::getline(out, line);
  EXPECT_EQ(line, "point,label,probability,medoid");
  for (size_t i = 0; i < cloud.n; ++i) {
    ASSERT_TRUE(std::getline(out, line));
    std::istringstream fields(line);
    std::string point, label, probability, medoid;
    std::getline(fields, point, ',');
    std::getline(fields, label, ',');
    std::getline(fields, probability, ',');
    std::getline(fields, medoid, ',');
    EXPECT_EQ(std::stoul(point), i);
    EXPECT_EQ(std::stoi(label), expected->labels[i]) << i;
    EXPECT_NEAR(std::stod(probability), expected->probabilities[i], 1e-5);
    const long m = expected->labels[i] < 0 ? -1L : static_cast<long>(expected->medoids[static_cast<size_t>(expected->labels[i])]);
    EXPECT_EQ(std::stol(medoid), m);
  }
}

TEST(ClusterCliTest, NpyOutputReadsBackInNumpy) {
  if (!HaveSystemNumpy()) GTEST_SKIP() << "numpy not available";
  TempDir dir;
  auto cloud = CaptionLikeCloud(500, 8, 4, 0.2, 0.3, 73);
  const std::string out = dir.File("labels.npy");
  CommandResult r = RunCli({"cluster", "points", WriteNpy(dir, cloud), "--min-cluster-size", "8",
                            "--format", "npy", "--output", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  CommandResult json = RunCli({"cluster", "points", WriteNpy(dir, cloud), "--min-cluster-size", "8",
                               "--format", "json"});
  auto j = nlohmann::json::parse(json.out);
  CommandResult py = RunShell("/usr/bin/python3 -c \"import numpy as np; a = np.load('" + out +
                              "'); print(a.shape, a.dtype); print(' '.join(str(int(v)) for v in a[:, 0]))\"");
  ASSERT_EQ(py.exit_code, 0) << py.err;
  std::istringstream lines(py.out);
  std::string shape, labels;
  std::getline(lines, shape);
  std::getline(lines, labels);
  EXPECT_EQ(shape, "(500, 3) float64");
  std::string expected;
  for (const auto& l : j["labels"]) expected += (expected.empty() ? "" : " ") + std::to_string(l.get<int>());
  EXPECT_EQ(labels, expected);
}

TEST(ClusterCliTest, OpticsReportsOrderingAndReachability) {
  TempDir dir;
  auto cloud = CaptionLikeCloud(400, 8, 4, 0.2, 0.3, 74);
  CommandResult r = RunCli({"--json", "cluster", "points", WriteNpy(dir, cloud), "--algorithm", "optics",
                            "--min-samples", "8", "--xi", "0.1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["algorithm"], "optics");
  EXPECT_EQ(j["ordering"].size(), 400u);
  EXPECT_TRUE(j["reachability"][j["ordering"][0].get<size_t>()].is_null());  // the first point's is inf
  EXPECT_GE(j["clusters"].size(), 1u);
}

TEST(ClusterCliTest, BadInputExitsTwoWithAClearMessage) {
  TempDir dir;
  auto cloud = CaptionLikeCloud(10, 4, 2, 0.0, 0.3, 75);
  const std::string npy = WriteNpy(dir, cloud);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"cluster", "points", npy, "--min-cluster-size", "50"},
       "--min-cluster-size: 50 is not allowed (an integer 2..10: the 10 points clustered)"},
      {{"cluster", "points", npy, "--min-cluster-size", "1"}, "--min-cluster-size: 1 is not allowed (an integer 2..10"},
      {{"cluster", "points", npy, "--min-samples", "11"}, "--min-samples: 11 is not allowed (an integer 1..10"},
      {{"cluster", "points", npy, "--algorithm", "optics", "--min-samples", "1"},
       "--min-samples: 1 is not allowed (an integer 2..10"},
      {{"cluster", "points", npy, "--algorithm", "optics", "--xi", "2"}, "--xi: 2 is not allowed (a number in (0, 1))"},
      {{"cluster", "points", npy, "--algorithm", "optics", "--max-eps", "0"},
       "--max-eps: 0 is not allowed (a number > 0, or inf)"},
      {{"cluster", "points", npy, "--exact", "--approximate"}, "--exact and --approximate"},
      {{"cluster", "points", npy, "--xi", "0.1"}, "--xi applies only to --algorithm optics"},
      {{"cluster", "points", npy, "--algorithm", "optics", "--epsilon", "0.1"}, "--epsilon applies only"},
      {{"cluster", "points", npy, "--algorithm", "kmeans"}, "kmeans"},
      {{"cluster", "points", npy, "--format", "npy"}, "--output"},
      {{"cluster", "points", npy, "--epsilon", "-1"}, "--epsilon: -1 is not allowed (a finite number ≥ 0)"},
      {{"cluster", "points", npy, "--epsilon", "0.1e999"}, "--epsilon: '0.1e999' is not a number"},
      {{"cluster", "points", npy, "--min-samples", "0"}, "--min-samples: 0 is not allowed (an integer ≥ 1)"},
      // The rule's smallest value, as for 1 above (0 said "an integer ≥ 1", which 1 is not).
      {{"cluster", "points", npy, "--min-cluster-size", "0"}, "--min-cluster-size: 0 is not allowed (an integer ≥ 2)"},
      {{"cluster", "points", npy, "--min-cluster-size", "-3"}, "--min-cluster-size: -3 is not allowed (an integer ≥ 2)"},
      {{"cluster", "points", npy, "--algorithm", "optics", "--min-samples", "0"},
       "--min-samples: 0 is not allowed (an integer ≥ 2)"},
      // A negative seed wrapped to 2^64 − 1 and was taken.
      {{"cluster", "points", npy, "--seed", "-1"}, "--seed: -1 is not allowed (an integer ≥ 0)"},
      {{"cluster", "points", npy, "--threads", "0"}, "--threads: 0 is not allowed (an integer 1..1024)"},
      {{"cluster", "points", dir.File("missing.npy")}, "missing.npy"},
  };
  for (const Case& c : cases) {
    CommandResult r = RunCli(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.message << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
  WriteFile(dir.File("nan.csv"), "1,2\n3,nan\n");
  CommandResult r = RunCli({"cluster", "points", dir.File("nan.csv")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
}  // namespace panic::testing
