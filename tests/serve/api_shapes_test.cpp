// The API answers with the CLI's `--json` shapes: both are asked the same questions about
// one database and must agree value for value (the API may add keys, never drop or change
// one).
#include <gtest/gtest.h>

#include "serve/serve_fixture.h"

namespace panic::testing {
namespace {

// Every key of `cli` is in `api` with an equal value (recursively; arrays element-wise).
void ExpectContains(const nlohmann::json& api, const nlohmann::json& cli, const std::string& where) {
  if (cli.is_object()) {
    ASSERT_TRUE(api.is_object()) << where << ": " << api.dump().substr(0, 200);
    for (const auto& [k, v] : cli.items()) {
      ASSERT_TRUE(api.contains(k)) << where << ": the API lacks '" << k << "'";
      ExpectContains(api[k], v, where + "." + k);
    }
  } else if (cli.is_array()) {
    ASSERT_TRUE(api.is_array()) << where;
    ASSERT_EQ(api.size(), cli.size()) << where;
    for (size_t i = 0; i < cli.size(); ++i) ExpectContains(api[i], cli[i], where + "[" + std::to_string(i) + "]");
  } else if (cli.is_number_float() || api.is_number_float()) {
    EXPECT_DOUBLE_EQ(api.get<double>(), cli.get<double>()) << where;
  } else {
    EXPECT_EQ(api, cli) << where;
  }
}

nlohmann::json Cli(const std::vector<std::string>& args) {
  CommandResult r = RunCli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out.substr(0, 200);
  return j;
}

class ApiShapesTest : public DashboardDatabase {};

TEST_F(ApiShapesTest, TheApiAnswersWhatTheCliPrints) {
  ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  ServedDatabase s(db_path());
  ASSERT_TRUE(s.ok()) << s.error();
  const std::string db = db_path();
  const std::string exp = experiment_id();
  ExpectContains(s.GetJson("/api/experiments"), Cli({"--db", db, "--json", "experiment", "list"}), "experiment list");
  ExpectContains(s.GetJson("/api/experiments/" + exp), Cli({"--db", db, "--json", "experiment", "show", exp}),
                 "experiment show");
  auto runs = Cli({"--db", db, "--json", "run", "list", "--experiment", exp});
  ExpectContains(s.GetJson("/api/experiments/" + exp + "/runs?per_page=500")["runs"], runs, "run list");
  ASSERT_FALSE(runs.empty());
  for (const auto& r : runs) {
    const std::string id = r["id"];
    ExpectContains(s.GetJson("/api/runs/" + id), Cli({"--db", db, "--json", "run", "show", id}), "run show " + id);
    auto diagrams = s.GetJson("/api/runs/" + id + "/diagrams")["diagrams"];
    ASSERT_EQ(diagrams.size(), 2u);
    for (const auto& d : diagrams) {
      ExpectContains(d, Cli({"--db", db, "--json", "run", "diagram", id, "--model", d["embedding_model"]}),
                     "run diagram " + id);
    }
  }
  auto clusters = Cli({"--db", db, "--json", "cluster", "list"});
  ExpectContains(s.GetJson("/api/clusters"), clusters, "cluster list");
  ASSERT_EQ(clusters.size(), 1u);
  const std::string cid = clusters[0]["id"];
  ExpectContains(s.GetJson("/api/clusters/" + cid + "?limit=5"),
                 Cli({"--db", db, "--json", "cluster", "show", cid, "--limit", "5"}), "cluster show");
}

}  // namespace
}  // namespace panic::testing
