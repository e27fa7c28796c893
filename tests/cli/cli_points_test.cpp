// The CLI as a new user meets it (issue 10, "The CLI, as a new user found it"): ids and
// `latest`, EXP#N run numbers, one diagram shape in JSON and text, NPZ out of `run diagram`
// into `tda distance`, one rule for binary output, `--`, `--file -`, one flag style,
// status words, run lengths, the repeated step of a duplicate, plural nouns, model
// availability, counted nouns and the help text.
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "panic/store/npz_codec.h"
#include "support/test_support.h"

namespace panic {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::RunCli;
using testing::RunShell;
using testing::ShellQuote;
using testing::TempDir;

// A small finished experiment: one network, `seeds` seeded runs, DummyText embeddings.
class CliPointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_.File("c.json"), R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [5, 3, 99, 42, 7],
        "prompts": ["a red apple on a wooden table"], "embedding_models": ["DummyText"], "max_length": 100})");
    auto r = Cli({"experiment", "run", dir_.File("c.json")});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    experiment_ = json::parse(Cli({"--json", "experiment", "show", "latest"}).out)["id"];
    runs_ = json::parse(Cli({"--json", "run", "list"}).out);
    ASSERT_EQ(runs_.size(), 5u);
  }
  CommandResult Cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    return RunCli(args);
  }
  // The command with standard output on a terminal (a pty from script(1)).
  CommandResult OnTerminal(const std::vector<std::string>& args) {
    std::string cmd = ShellQuote(testing::CliPath()) + " --db " + ShellQuote(db_);
    for (const auto& a : args) cmd += " " + ShellQuote(a);
    return RunShell("script -qec " + ShellQuote(cmd) + " /dev/null");
  }

  TempDir dir_;
  std::string db_ = dir_.File("p.db");
  std::string experiment_;
  json runs_;
};

TEST_F(CliPointsTest, LatestAndRunNumbersNameExperimentsAndRuns) {
  auto no_id = Cli({"--json", "experiment", "show"});
  ASSERT_EQ(no_id.exit_code, 0) << no_id.err;
  EXPECT_EQ(json::parse(no_id.out)["id"], experiment_);
  auto by_number = [&](const std::string& ref) {
    auto r = Cli({"--json", "run", "show", ref});
    EXPECT_EQ(r.exit_code, 0) << ref << ": " << r.err;
    return r.exit_code == 0 ? json::parse(r.out)["id"].get<std::string>() : std::string();
  };
  EXPECT_EQ(by_number("latest#3"), runs_[3]["id"]);
  EXPECT_EQ(by_number(experiment_.substr(0, 8) + "#0"), runs_[0]["id"]);
  EXPECT_EQ(by_number(experiment_ + "#4"), runs_[4]["id"]);
  EXPECT_EQ(by_number("latest"), runs_[4]["id"]);  // the latest experiment's last run
  auto beyond = Cli({"run", "show", "latest#5"});
  EXPECT_EQ(beyond.exit_code, 2);
  EXPECT_NE(beyond.err.find("#0..#4"), std::string::npos) << beyond.err;
  EXPECT_EQ(Cli({"run", "show", "latest#x"}).exit_code, 2);
  EXPECT_EQ(Cli({"run", "diagram", "latest#1", "--model", "DummyText"}).exit_code, 0);
  auto typo = Cli({"run", "diagram", "latest#1", "--model", "DummyTxet"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("--model: 'DummyTxet' is not allowed (an embedding model with a diagram of this run: "
                          "[\"DummyText\"])"),
            std::string::npos)
      << typo.err;
  EXPECT_EQ(json::parse(Cli({"--json", "run", "list", "--experiment", "latest"}).out).size(), 5u);
  EXPECT_EQ(Cli({"experiment", "resume", "latest"}).exit_code, 0);
}

TEST_F(CliPointsTest, RunDiagramNpzIsReadByTdaDistance) {
  const std::string a = dir_.File("a.npz"), b = dir_.File("b.npz");
  ASSERT_EQ(Cli({"run", "diagram", "latest#0", "--format", "npz", "--output", a}).exit_code, 0);
  ASSERT_EQ(Cli({"run", "diagram", "latest#1", "--format", "npz", "--output", b}).exit_code, 0);
  auto same = Cli({"tda", "distance", a, a, "--dim", "0"});
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_EQ(same.out, "0\n");
  auto other = Cli({"--json", "tda", "distance", a, b, "--dim", "0"});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_GT(json::parse(other.out)["distance"].get<double>(), 0);
  // The file is the stored archive, bar for bar what `run diagram --format json` shows.
  auto decoded = store::DecodeDiagramNpz(testing::ReadFile(a));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  auto j = json::parse(Cli({"run", "diagram", "latest#0", "--format", "json"}).out);
  EXPECT_EQ(j["dimensions"][0]["bars"].size(), decoded->diagram.bars(0).size());
}

TEST_F(CliPointsTest, OneDiagramShapeAndLayoutForTdaPhAndRunDiagram) {
  testing::WriteFile(dir_.File("pts.csv"), "0,0\n1,0\n0,1\n1,1\n");
  auto ph = json::parse(Cli({"tda", "ph", dir_.File("pts.csv"), "--format", "json"}).out);
  auto stored = json::parse(Cli({"run", "diagram", "latest#0", "--format", "json"}).out);
  for (const json* j : {&ph, &stored}) {
    ASSERT_TRUE(j->contains("dimensions")) << j->dump();
    EXPECT_FALSE(j->contains("dgms"));
    const json& h0 = (*j)["dimensions"][0];
    EXPECT_EQ(h0["dim"], 0);
    EXPECT_TRUE(h0["entropy"].is_number());
    EXPECT_TRUE(h0["bars"].back()[1].is_null()) << "an essential bar's death is null";
  }
  std::set<std::string> ph_keys, stored_keys;
  for (auto& [k, v] : ph["dimensions"][0].items()) ph_keys.insert(k);
  for (auto& [k, v] : stored["dimensions"][0].items()) stored_keys.insert(k);
  EXPECT_EQ(ph_keys, stored_keys);
  // Text: '# H<d>: n bars, entropy e', then '<d> <birth> <death>' lines, in both.
  auto ph_text = Cli({"tda", "ph", dir_.File("pts.csv")}).out;
  auto stored_text = Cli({"run", "diagram", "latest#0"}).out;
  EXPECT_EQ(ph_text.rfind("# H0: 4 bars, entropy ", 0), 0u) << ph_text;
  EXPECT_NE(stored_text.find("\n# H0: "), std::string::npos) << stored_text;
  EXPECT_NE(ph_text.find("\n0 0 inf\n"), std::string::npos) << ph_text;
  EXPECT_NE(stored_text.find("\n0 0 inf\n"), std::string::npos) << stored_text;
}

TEST_F(CliPointsTest, BinaryOutputIsRefusedOnATerminalAndWrittenIntoAPipe) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"model", "embed", "DummyText", "x", "--format", "npy"},
           {"tda", "ph", dir_.File("c.json"), "--format", "npz"},
           {"run", "diagram", "latest#0", "--format", "npz"}}) {
    auto tty = OnTerminal(args);
    EXPECT_EQ(tty.exit_code, 2) << args[0] << " " << args[1] << ": " << tty.out;
    EXPECT_NE(tty.out.find("give --output FILE or redirect"), std::string::npos) << tty.out;
  }
  testing::WriteFile(dir_.File("pts.csv"), "0,0\n1,0\n0,1\n");
  auto piped = RunShell(ShellQuote(testing::CliPath()) + " tda ph " + ShellQuote(dir_.File("pts.csv")) +
                        " --format npz | cat > " + ShellQuote(dir_.File("piped.npz")));
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_TRUE(store::DecodeDiagramNpz(testing::ReadFile(dir_.File("piped.npz"))).ok());
  auto npy = RunShell(ShellQuote(testing::CliPath()) + " model embed DummyText x --format npy | head -c 6");
  EXPECT_EQ(npy.out, "\x93NUMPY");
}

TEST_F(CliPointsTest, DoubleDashEndsOptionsAndFileDashReadsStdinSkippingBlankLines) {
  auto r = Cli({"--json", "model", "embed", "DummyText", "--", "--help", "--db"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto j = json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["text"], "--help");
  EXPECT_EQ(j[1]["text"], "--db");
  auto in = RunShell("printf 'first\\n\\n   \\nsecond\\r\\n' | " + ShellQuote(testing::CliPath()) +
                     " --json model embed DummyText --file -");
  ASSERT_EQ(in.exit_code, 0) << in.err;
  auto texts = json::parse(in.out);
  ASSERT_EQ(texts.size(), 2u) << in.out;
  EXPECT_EQ(texts[0]["text"], "first");
  EXPECT_EQ(texts[1]["text"], "second");
  EXPECT_NE(Cli({"model", "embed", "--help"}).out.find("blank lines are skipped"), std::string::npos);
}

TEST_F(CliPointsTest, FormatIsTheFlagAndJsonItsAlias) {
  auto a = Cli({"experiment", "list", "--format", "json"});
  auto b = Cli({"--json", "experiment", "list"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(json::parse(a.out), json::parse(b.out));
  EXPECT_EQ(Cli({"run", "show", "latest#0", "--format", "json"}).out, Cli({"--json", "run", "show", "latest#0"}).out);
  EXPECT_EQ(Cli({"--json", "experiment", "list", "--format", "text"}).exit_code, 2);
  EXPECT_EQ(Cli({"experiment", "list", "--format", "xml"}).exit_code, 2);
  EXPECT_NE(Cli({"experiment", "list", "--help"}).out.find("--format FMT"), std::string::npos);
}

TEST_F(CliPointsTest, StatusWordsAreTheSameInListAndShow) {
  auto status_in_list = [&] { return json::parse(Cli({"--json", "experiment", "list"}).out)[0]["status"]; };
  auto status_in_show = [&] { return json::parse(Cli({"--json", "experiment", "show"}).out)["status"]; };
  EXPECT_EQ(status_in_list(), "completed");
  EXPECT_EQ(status_in_show(), "completed");
  // A second experiment stopped after its runs: no process writes it any more.
  ASSERT_EQ(Cli({"experiment", "run", dir_.File("c.json"), "--stages", "runs"}).exit_code, 0);
  EXPECT_EQ(status_in_list(), "interrupted");
  EXPECT_EQ(status_in_show(), "interrupted");
  EXPECT_NE(Cli({"experiment", "list"}).out.find("interrupted (resume continues)"), std::string::npos);
  EXPECT_NE(Cli({"experiment", "show"}).out.find("interrupted (resume continues)"), std::string::npos);
  // A live writer holds its lease (this test process stands in for it): running, with who.
  const std::string id = json::parse(Cli({"--json", "experiment", "show"}).out)["id"];
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  auto sql = RunShell("sqlite3 " + ShellQuote(db_) + " \"INSERT INTO writer_leases (experiment_id, token, pid, host, "
                      "started_at, heartbeat_at) VALUES ('" + id + "', 't', " + std::to_string(getpid()) + ", '" +
                      host + "', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))\"");
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_EQ(status_in_list(), "running");
  EXPECT_EQ(status_in_show(), "running");
  EXPECT_NE(Cli({"experiment", "list"}).out.find("running (process " + std::to_string(getpid())), std::string::npos);
  // The same lease with a heartbeat long past is a crashed writer's: interrupted again.
  sql = RunShell("sqlite3 " + ShellQuote(db_) + " \"UPDATE writer_leases SET heartbeat_at = '2020-01-01T00:00:00.000Z'\"");
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_EQ(status_in_list(), "interrupted");
  EXPECT_EQ(status_in_show(), "interrupted");
}

TEST_F(CliPointsTest, RunListShowsLengthAndRunShowNamesTheRepeatedStep) {
  auto list = Cli({"run", "list"});
  EXPECT_NE(list.out.find("LENGTH"), std::string::npos) << list.out;
  bool found_duplicate = false;
  for (const auto& r : runs_) {
    auto show = json::parse(Cli({"--json", "run", "show", r["id"]}).out);
    EXPECT_EQ(r["length"], show["invocations"].size());
    if (r["stop_reason"] == "length") {
      EXPECT_EQ(r["length"], r["max_length"]);
    }
    if (r["stop_reason"] != "duplicate") continue;
    found_duplicate = true;
    const int64_t last = show["invocations"].back()["sequence_number"];
    const int64_t repeats = show["repeats_step"];
    EXPECT_EQ(repeats, last - r["loop_length"].get<int64_t>());
    const auto& a = show["invocations"][repeats];
    const auto& b = show["invocations"].back();
    EXPECT_EQ(a["type"], b["type"]);
    if (a["type"] == "text") {
      EXPECT_EQ(a["output_text"], b["output_text"]);
    }
    auto text = Cli({"run", "show", r["id"]}).out;
    EXPECT_NE(text.find("(step " + std::to_string(last) + " repeats step " + std::to_string(repeats)), std::string::npos)
        << text;
  }
  EXPECT_TRUE(found_duplicate) << "seeded dummy runs of 100 steps loop";
}

TEST_F(CliPointsTest, PluralNounsAreAliases) {
  EXPECT_EQ(Cli({"experiments", "list"}).out, Cli({"experiment", "list"}).out);
  EXPECT_EQ(Cli({"runs", "list"}).out, Cli({"run", "list"}).out);
  EXPECT_EQ(Cli({"models", "list"}).exit_code, 0);
}

TEST(CliTextTest, ModelListSaysWhyAModelIsUnavailable) {
  TempDir empty;
  auto r = RunCli({"model", "list"}, "PANIC_TDA_MODELS=" + ShellQuote(empty.path().string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t at = r.out.find("USELite");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string line = r.out.substr(at, r.out.find('\n', at) - at);
  EXPECT_NE(line.find("UNAVAILABLE: "), std::string::npos) << line;
  EXPECT_NE(line.find("fetch_models.sh"), std::string::npos) << line;
}

TEST(CliTextTest, CountedNounsAgreeWithTheirNumber) {
  TempDir dir;
  testing::WriteFile(dir.File("one.json"), R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [5],
      "prompts": ["p"], "embedding_models": ["DummyText"], "max_length": 3})");
  auto r = RunCli({"--db", dir.File("g.db"), "experiment", "run", dir.File("one.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("created: 1 run,"), std::string::npos) << r.out;
  auto e = RunCli({"model", "embed", "DummyText", "x", "--format", "npy", "--output", dir.File("v.npy")});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.err.find("wrote 1 vector of"), std::string::npos) << e.err;
}

TEST(CliTextTest, HelpListsExitCode130AndTheSeparator) {
  auto main_help = RunCli({"--help"});
  EXPECT_NE(main_help.out.find("130 interrupted"), std::string::npos) << main_help.out;
  auto cmd_help = RunCli({"experiment", "run", "--help"});
  EXPECT_NE(cmd_help.out.find("130 interrupted"), std::string::npos) << cmd_help.out;
  EXPECT_NE(cmd_help.out.find("  --  "), std::string::npos) << cmd_help.out;
  EXPECT_NE(testing::ReadFile(testing::SourcePath("README.md")).find("PANIC_TDA_LOG"), std::string::npos);
}

}  // namespace
}  // namespace panic
