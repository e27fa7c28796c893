// The dashboard in a real browser: tests/serve/browser_check.mjs drives Debian's chromium
// through npm playwright-core (scripts/setup.sh installs it under ~/.cache/panic-tda; no
// browser download): list → experiment → run, images and captions, a <script> prompt shown
// as text, progress that moves while an experiment writes, screenshots under
// <build>/serve_screenshots/.
#include <gtest/gtest.h>

#include "serve/serve_fixture.h"

namespace panic::testing {
namespace {

std::string PlaywrightRoot() { return NpmOracleRoot("PANIC_TDA_PLAYWRIGHT", "playwright-core-1.65.1"); }

TEST(ServeBrowserTest, ListExperimentRunAndLiveProgressInChromium) {
  if (RunShell("command -v node").exit_code != 0) GTEST_SKIP() << "node is not installed (scripts/setup.sh)";
  if (!std::filesystem::exists(PlaywrightRoot() + "/node_modules/playwright-core/package.json")) {
    GTEST_SKIP() << "npm playwright-core is not installed at " << PlaywrightRoot() << " (scripts/setup.sh installs it)";
  }
  const std::string chromium = RunShell("command -v chromium").out;
  if (chromium.empty()) GTEST_SKIP() << "Debian's chromium is not installed (scripts/setup.sh)";
  TempDir tmp;
  const std::string db = tmp.File("browser.db");
  ASSERT_EQ(MakeDashboardDatabase(db, tmp.path().string()), "");
  // The live experiment: long enough that the list page (polling every 2 s) sees it move.
  // 8 runs × 400 steps took 1.1 s on a quiet machine, over before the second poll (the test
  // failed there and passed only under load); 48 runs take ≈ 6.6 s quiet: several polls.
  nlohmann::json seeds = nlohmann::json::array();
  for (int s = 1; s <= 24; ++s) seeds.push_back(s);
  nlohmann::json live = {{"networks", nlohmann::json::array({nlohmann::json::array({"DummyT2I", "DummyI2T"})})},
                         {"seeds", seeds},
                         {"prompts", {"live one", "live two"}},
                         {"embedding_models", {"DummyText"}},
                         {"max_length", 400},
                         {"options", {{"loop_detection", "off"}}}};
  WriteFile(tmp.File("live.json"), live.dump());
  ServedDatabase server(db);
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string shots = std::string(PANIC_BUILD_DIR) + "/serve_screenshots";
  std::filesystem::create_directories(shots);
  const std::string command = "PLAYWRIGHT_ROOT=" + ShellQuote(PlaywrightRoot()) + " CHROMIUM=" +
                              ShellQuote(chromium.substr(0, chromium.find('\n'))) + " timeout 300 node " +
                              ShellQuote(SourcePath("tests/serve/browser_check.mjs")) + " " +
                              ShellQuote("http://127.0.0.1:" + std::to_string(server.port())) + " " + ShellQuote(shots) +
                              " " + ShellQuote(CliPath()) + " " + ShellQuote(db) + " " + ShellQuote(tmp.File("live.json"));
  CommandResult r = RunShell(command);
  ASSERT_EQ(r.exit_code, 0) << r.out << "\n" << r.err;
  auto seen = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(seen.is_discarded()) << r.out;
  EXPECT_EQ(seen["experiments"], 1);
  EXPECT_EQ(seen["run_rows"], 4);
  EXPECT_EQ(seen["run_prompt"], kScriptPrompt);
  EXPECT_GT(seen["images"].get<int>(), 0);
  EXPECT_GT(seen["captions"].get<int>(), 0);
  EXPECT_NE(seen["live_first"], seen["live_next"]);
  for (const char* shot : {"1_experiments.png", "3_run.png", "6_live.png"}) {
    EXPECT_GT(std::filesystem::file_size(shots + "/" + shot), 1000u) << shot;
  }
}

}  // namespace
}  // namespace panic::testing
