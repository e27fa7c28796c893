// `experiment run|resume --mpi` under `mpirun --oversubscribe --allow-run-as-root -np N`
// (docs/MPI.md): a seeded dummy experiment gives the same database content, modulo ids and
// timestamps, for -np 1, 2, 3 and 4 and without --mpi (Python's sqlite3 compares the
// runs, invocations, embeddings, diagrams and analysis rows); with N ≥ 2 the embeddings
// and diagrams really went to worker ranks (rank 0's traffic lines). A worker rank killed
// mid-run ends the job with a report, keeps what was committed, and `resume` finishes it.
// Skipped, saying why, where mpirun is absent or the build has no MPI.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "support/test_support.h"

namespace panic::testing {
namespace {

// Two networks (text and image embeddings), three seeds, two prompts: six runs per
// network. Model calls of two runs (max_batch), so that under --mpi each network's runs
// are three chunks stepping at once on different ranks, and small embedding batches, so
// that there are many units to spread.
constexpr const char* kConfig = R"({"networks": [["DummyT2I", "DummyI2T"], ["DummyT2I2", "DummyI2T2"]],
  "seeds": [1, 2, 3], "prompts": ["a red fox", "the sea at night"],
  "embedding_models": ["DummyText", "DummyVision"], "max_length": 12,
  "options": {"embedding_batch_size": 2, "loop_detection": "off",
              "max_batch": {"DummyT2I": 2, "DummyI2T": 2, "DummyT2I2": 2, "DummyI2T2": 2}}})";

// The same without max_batch: one model call per network and step for its 6 runs.
constexpr const char* kConfigWithoutMaxBatch = R"({"networks": [["DummyT2I", "DummyI2T"], ["DummyT2I2", "DummyI2T2"]],
  "seeds": [1, 2, 3], "prompts": ["a red fox", "the sea at night"],
  "embedding_models": ["DummyText", "DummyVision"], "max_length": 12,
  "options": {"embedding_batch_size": 2, "loop_detection": "off"}})";

// max_length 21: each run has 11 images and 10 texts, so a DummyVision diagram (11 points)
// needs at least 2 211 B by the kernel's bound (tda::RipsMemoryLowerBound at maxdim 2: the
// 11 × 11 float matrix, 55 two-byte edges, the 11 × 11 byte copy, the input-order copy's 11
// rows of 64 bytes and 11 of block minima, and 11 sweep bitset words) and a DummyText one
// (10 points) 1 950 B.
constexpr const char* kConfigTwoLengths = R"({"networks": [["DummyT2I", "DummyI2T"]],
  "seeds": [1, 2, 3], "prompts": ["a red fox"], "embedding_models": ["DummyText", "DummyVision"], "max_length": 21,
  "options": {"embedding_batch_size": 2, "loop_detection": "off", "max_batch": {"DummyT2I": 1, "DummyI2T": 1}}})";

// Three networks of two runs each, one run per call: fewer chunks per group (2) than
// ranks at -np 3 and 4, so that other groups' chunks run on the idle ranks at once.
constexpr const char* kConfigThreeGroups = R"({"networks": [["DummyT2I", "DummyI2T"], ["DummyT2I2", "DummyI2T2"],
  ["DummyT2I2", "DummyI2T"]], "seeds": [1], "prompts": ["a red fox", "the sea at night"],
  "embedding_models": ["DummyText", "DummyVision"], "max_length": 12,
  "options": {"embedding_batch_size": 2, "loop_detection": "off",
              "max_batch": {"DummyT2I": 1, "DummyI2T": 1, "DummyT2I2": 1, "DummyI2T2": 1}}})";

// argv: REFERENCE OTHER [calls-differ]. Prints "same <rows>" or fails naming the table.
// calls-differ: the invocations' batch_size and batch_position (the model calls as made)
// are left out.
constexpr const char* kCompare = R"PY(
import sqlite3, sys
a, b = (sqlite3.connect(p) for p in sys.argv[1:3])
calls = "" if sys.argv[3:] == ["calls-differ"] else "i.batch_size, i.batch_position, "
content = {
  "runs": "SELECT run_number, network, seed, max_length, initial_prompt, stop_reason, loop_length, error FROM runs",
  "invocations": "SELECT r.run_number, i.sequence_number, i.model, i.type, i.seed, i.output_text, i.output_image, " +
                 calls + "inp.sequence_number FROM invocations i JOIN runs r ON r.id = i.run_id "
                 "LEFT JOIN invocations inp ON inp.id = i.input_invocation_id",
  "embeddings": "SELECT r.run_number, i.sequence_number, e.embedding_model, e.vector FROM embeddings e "
                "JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id",
  "diagrams": "SELECT r.run_number, p.embedding_model, p.diagram_data, p.error, p.point_count, p.last_sequence_number, "
              "p.approximation_epsilon FROM persistence_diagrams p JOIN runs r ON r.id = p.run_id",
  "prompt_embeddings": "SELECT initial_prompt, embedding_model, vector FROM prompt_embeddings",
  "lyapunov": "SELECT network, initial_prompt, other_prompt, embedding_model, num_runs, num_pairs, exponent, curve "
              "FROM lyapunov_results",
  "experiments": "SELECT networks, seeds, prompts, embedding_models, max_length, options, completed_at IS NULL FROM experiments",
}
total = 0
for name, sql in content.items():
    x, y = sorted(a.execute(sql).fetchall(), key=repr), sorted(b.execute(sql).fetchall(), key=repr)
    if x != y:
        sys.exit("%s differ: %d rows against %d" % (name, len(x), len(y)))
    if name != "lyapunov" and not x:
        sys.exit("%s is empty" % name)
    total += len(x)
print("same", total)
)PY";

bool HaveMpirun() { return RunShell("command -v mpirun").exit_code == 0; }

std::string Mpirun(int np, const std::string& env = "") {
  return "mpirun --oversubscribe --allow-run-as-root " + env + " -np " + std::to_string(np) + " " + ShellQuote(CliPath());
}

class MpiCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveMpirun()) GTEST_SKIP() << "mpirun is not installed (apt-get install openmpi-bin): MPI tests skipped";
    WriteFile(dir_.File("cfg.json"), kConfig);
    WriteFile(dir_.File("compare.py"), kCompare);
    auto probe = RunCli({"--db", dir_.File("probe.db"), "experiment", "run", "nothing.json", "--mpi"});
    if (probe.err.find("this build has no MPI") != std::string::npos) {
      GTEST_SKIP() << "this build has no MPI (-DPANIC_MPI=OFF): MPI tests skipped";
    }
    auto ref = RunCli({"--db", Ref(), "experiment", "run", dir_.File("cfg.json"), "--threads", "1"});
    ASSERT_EQ(ref.exit_code, 0) << ref.err;
  }
  std::string Ref() const { return dir_.File("ref.db"); }
  // "same N" when `db` holds the reference's content (`ref`: another reference;
  // `calls_differ`: batch sizes and positions left out).
  std::string Compare(const std::string& db, const std::string& ref = "", bool calls_differ = false) {
    auto r = RunShell("/usr/bin/python3 " + ShellQuote(dir_.File("compare.py")) + " " +
                      ShellQuote(ref.empty() ? Ref() : ref) + " " + ShellQuote(db) + (calls_differ ? " calls-differ" : ""));
    return r.out + r.err;
  }
  TempDir dir_;
};

TEST_F(MpiCliTest, SameContentForOneToFourRanksAsWithoutMpi) {
  const std::string same = Compare(Ref());
  ASSERT_EQ(same.substr(0, 5), "same ") << same;
  for (int np = 1; np <= 4; ++np) {
    SCOPED_TRACE("np " + std::to_string(np));
    const std::string db = dir_.File("np" + std::to_string(np) + ".db");
    auto r = RunShell(Mpirun(np) + " --db " + ShellQuote(db) + " experiment run " + ShellQuote(dir_.File("cfg.json")) +
                      " --mpi --threads 1");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("mpi: " + std::to_string(np) + " rank(s)"), std::string::npos) << r.err;
    EXPECT_EQ(Compare(db), same);
    if (np >= 2) {
      // The units went to the workers: "mpi embeddings: K units on workers", K > 0.
      for (const char* stage : {"runs", "embeddings", "diagrams"}) {
        std::smatch m;
        const std::regex line(std::string("mpi ") + stage + ": ([0-9]+) units on workers");
        ASSERT_TRUE(std::regex_search(r.err, m, line)) << r.err;
        EXPECT_GT(std::stoi(m[1]), 0) << stage << "\n" << r.err;
      }
    }
  }
}

// Without max_batch each network group (6 runs) would be one chunk, i.e. one rank: under
// --mpi it is split into chunks of ceil(6 / N) runs, so that every rank steps runs. The
// content is the same as without --mpi except the recorded calls (batch size and place):
// one process makes one call of 6, -np N calls of ceil(6 / N). At each network's end every
// worker that executed units releases its models (PANIC_TDA_MPI_TRACE's "released").
TEST_F(MpiCliTest, WithoutMaxBatchAGroupIsSpreadOverEveryRankWithTheSameContent) {
  WriteFile(dir_.File("cfg_nocap.json"), kConfigWithoutMaxBatch);
  const std::string ref = dir_.File("ref_nocap.db");
  auto plain = RunCli({"--db", ref, "experiment", "run", dir_.File("cfg_nocap.json"), "--threads", "1"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const std::string same = Compare(ref, ref, true);
  ASSERT_EQ(same.substr(0, 5), "same ") << same;
  EXPECT_EQ(RunShell("sqlite3 " + ShellQuote(ref) + " 'SELECT max(batch_size) FROM invocations'").out, "6\n");
  for (int np = 2; np <= 4; ++np) {
    SCOPED_TRACE("np " + std::to_string(np));
    const std::string db = dir_.File("nocap" + std::to_string(np) + ".db");
    const std::string trace = dir_.File("trace" + std::to_string(np));
    auto r = RunShell("PANIC_TDA_MPI_TRACE=" + ShellQuote(trace) + " " + Mpirun(np, "-x PANIC_TDA_MPI_TRACE") +
                      " --db " + ShellQuote(db) + " experiment run " + ShellQuote(dir_.File("cfg_nocap.json")) +
                      " --mpi --threads 1");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(Compare(db, ref, true), same);
    const int chunk = (6 + np - 1) / np;
    EXPECT_EQ(RunShell("sqlite3 " + ShellQuote(db) + " 'SELECT max(batch_size) FROM invocations'").out,
              std::to_string(chunk) + "\n");
    EXPECT_NE(r.err.find("mpi releases: 2 release points"), std::string::npos) << r.err;
    // Every worker stepped runs, and released its models at a network's end.
    for (int rank = 1; rank < np; ++rank) {
      const std::string log = ReadFile(trace + ".rank" + std::to_string(rank));
      EXPECT_NE(log.find("stage=runs"), std::string::npos) << "rank " << rank << ":\n" << log;
      EXPECT_NE(log.find(" released"), std::string::npos) << "rank " << rank << ":\n" << log;
    }
  }
}

// Diagrams go to ranks with the memory for them (PANIC_TDA_MPI_RANK_MEMORY, the test's
// budgets: 2 048 B for every rank but the last, 2 560 B for the last): every 11-point diagram
// (2 211 B: RipsMemoryLowerBound at maxdim 2) goes to the last rank, the 10-point ones
// (1 950 B) anywhere, and the content is the reference's for -np 1..4 (-np 1 does not start
// MPI: nothing to place).
TEST_F(MpiCliTest, DiagramsGoToTheRankWithTheMemoryForThem) {
  WriteFile(dir_.File("cfg_lengths.json"), kConfigTwoLengths);
  const std::string ref = dir_.File("ref_lengths.db");
  auto plain = RunCli({"--db", ref, "experiment", "run", dir_.File("cfg_lengths.json"), "--threads", "1"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const std::string same = Compare(ref, ref);
  ASSERT_EQ(same.substr(0, 5), "same ") << same;
  for (int np = 1; np <= 4; ++np) {
    SCOPED_TRACE("np " + std::to_string(np));
    std::string budgets;
    for (int r = 0; r + 1 < np; ++r) budgets += "2048,";
    budgets += "2560";
    const std::string db = dir_.File("lengths" + std::to_string(np) + ".db");
    const std::string trace = dir_.File("mtrace" + std::to_string(np));
    auto r = RunShell("PANIC_TDA_MPI_RANK_MEMORY=" + budgets + " PANIC_TDA_MPI_TRACE=" + ShellQuote(trace) + " " +
                      Mpirun(np, "-x PANIC_TDA_MPI_RANK_MEMORY -x PANIC_TDA_MPI_TRACE") + " --db " + ShellQuote(db) +
                      " experiment run " + ShellQuote(dir_.File("cfg_lengths.json")) + " --mpi --threads 1");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(Compare(db, ref), same);
    if (np == 1) continue;
    // Rank 0's trace: each rank's budget, and where each diagrams unit went.
    const std::string log = ReadFile(trace + ".rank0");
    EXPECT_NE(log.find("memory rank=" + std::to_string(np - 1) + " bytes=2560"), std::string::npos) << log;
    std::smatch m;
    int long_units = 0, short_units = 0;
    const std::regex submit("submit ticket=[0-9]+ to=([0-9]+) memory=(2211|1950)");
    for (auto it = log.cbegin(); std::regex_search(it, log.cend(), m, submit); it = m.suffix().first) {
      if (m[2] == "2211") {
        ++long_units;
        EXPECT_EQ(std::stoi(m[1]), np - 1) << m[0];
      } else {
        ++short_units;
      }
    }
    EXPECT_EQ(long_units, 3) << log;
    EXPECT_EQ(short_units, 3) << log;
    EXPECT_NE(ReadFile(trace + ".rank" + std::to_string(np - 1)).find("stage=diagrams"), std::string::npos);
  }
}

// A diagram that no rank has the memory for (every budget 2 048 B, the 11-point diagrams
// need 2 211 B) is stored as failed with a message naming the run, its length, the estimate,
// the largest rank's memory and what to do; the other diagrams commit; resume (with room)
// finishes with the reference's content.
TEST_F(MpiCliTest, ADiagramNoRankCanHoldFailsCleanlyAndTheOthersCommit) {
  WriteFile(dir_.File("cfg_lengths.json"), kConfigTwoLengths);
  const std::string ref = dir_.File("ref_lengths.db");
  auto plain = RunCli({"--db", ref, "experiment", "run", dir_.File("cfg_lengths.json"), "--threads", "1"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const std::string db = dir_.File("tight.db");
  auto r = RunShell("PANIC_TDA_MPI_RANK_MEMORY=2048 " + Mpirun(3, "-x PANIC_TDA_MPI_RANK_MEMORY") + " --db " +
                    ShellQuote(db) + " experiment run " + ShellQuote(dir_.File("cfg_lengths.json")) +
                    " --mpi --threads 1");
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("refused (no rank had the memory)"), std::string::npos) << r.err;
  auto rows = RunShell("sqlite3 " + ShellQuote(db) +
                       " \"SELECT embedding_model, point_count, diagram_data IS NOT NULL, coalesce(error, '') "
                       "FROM persistence_diagrams ORDER BY embedding_model\"");
  const std::string out = rows.out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 6) << out;
  size_t text_ok = 0, vision_failed = 0;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line == "DummyText|10|1|") ++text_ok;
    if (line.rfind("DummyVision|11|0|not computed under --mpi: the exact diagram of run ", 0) == 0) {
      ++vision_failed;
      EXPECT_NE(line.find("(11 points) needs at least 2.2 KiB"), std::string::npos) << line;
      EXPECT_NE(line.find("more than the largest rank can use (2.0 KiB"), std::string::npos) << line;
      EXPECT_NE(line.find("\"approximate\""), std::string::npos) << line;
      EXPECT_NE(line.find("fewer ranks per node"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(text_ok, 3u) << out;
  EXPECT_EQ(vision_failed, 3u) << out;

  auto resumed = RunShell(Mpirun(2) + " --db " + ShellQuote(db) + " experiment resume latest --mpi --threads 1");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(Compare(db, ref), Compare(ref, ref));
}

// A malformed budget is refused on every rank before anything is opened, naming the variable.
TEST_F(MpiCliTest, AMalformedRankMemoryIsRefusedNamingIt) {
  const std::string db = dir_.File("bad_budget.db");
  auto r = RunShell("PANIC_TDA_MPI_RANK_MEMORY=lots " + Mpirun(2, "-x PANIC_TDA_MPI_RANK_MEMORY") + " --db " +
                    ShellQuote(db) + " experiment run " + ShellQuote(dir_.File("cfg.json")) + " --mpi --threads 1");
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("PANIC_TDA_MPI_RANK_MEMORY: 'lots' is not allowed"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(db));
}

// Several network groups at once: with more ranks than a group's chunks, the next group's
// chunks step on the idle ranks before the first group's release (rank 0's trace: a runs
// unit of group 2 goes out before `release group=1`), each group's release reaches the
// ranks that still hold it, and the content is one process's for -np 1..4. Rank 0 reports
// the model loads per rank, and its trace has one `load` line for each; a rank holds one
// group's models at a time (it is released before it switches to another group's step).
TEST_F(MpiCliTest, SeveralNetworkGroupsRunAtOnceWithTheSameContent) {
  WriteFile(dir_.File("cfg_groups.json"), kConfigThreeGroups);
  const std::string ref = dir_.File("ref_groups.db");
  auto plain = RunCli({"--db", ref, "experiment", "run", dir_.File("cfg_groups.json"), "--threads", "1"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const std::string same = Compare(ref, ref);
  ASSERT_EQ(same.substr(0, 5), "same ") << same;
  for (int np = 1; np <= 4; ++np) {
    SCOPED_TRACE("np " + std::to_string(np));
    const std::string db = dir_.File("groups" + std::to_string(np) + ".db");
    const std::string trace = dir_.File("gtrace" + std::to_string(np));
    auto r = RunShell("PANIC_TDA_MPI_TRACE=" + ShellQuote(trace) + " " + Mpirun(np, "-x PANIC_TDA_MPI_TRACE") +
                      " --db " + ShellQuote(db) + " experiment run " + ShellQuote(dir_.File("cfg_groups.json")) +
                      " --mpi --threads 1");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(Compare(db, ref), same);
    if (np == 1) continue;  // MPI not started: one process, groups one after the other
    EXPECT_NE(r.err.find("mpi releases: 3 release points"), std::string::npos) << r.err;
    const std::string log = ReadFile(trace + ".rank0");
    for (int g = 1; g <= 3; ++g) {
      EXPECT_NE(log.find("release group=" + std::to_string(g) + " "), std::string::npos) << log;
    }
    if (np >= 3) {
      // A submit line of group 2 (rank 0's own ends with the group, a worker's goes on).
      std::smatch first;
      ASSERT_TRUE(std::regex_search(log, first, std::regex(" submit ticket=[0-9]+ to=[0-9]+ [^\\n]*group=2(\\n| )"))) << log;
      const size_t second = static_cast<size_t>(first.position(0));
      EXPECT_LT(second, log.find("release group=1 ")) << log;
    }
    // "mpi model loads: rank 0 A, rank 1 B, … (T in all)": T is the trace's `load` lines.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.err, m, std::regex("mpi model loads: .*\\(([0-9]+) in all\\)"))) << r.err;
    size_t loads = 0;
    for (size_t at = log.find(" load rank="); at != std::string::npos; at = log.find(" load rank=", at + 1)) ++loads;
    EXPECT_EQ(std::to_string(loads), m[1].str()) << r.err;
    // From the trace, in order: a rank holds one group at a time (a step of group G goes
    // only to a rank that holds G or none: one that held another was dropped first, by a
    // switch), a release drops only a rank that holds the released group (or none), and a
    // rank loads a model at most once between two drops.
    std::map<int, uint64_t> held;
    std::map<int, std::set<std::string>> loaded;
    const std::regex drop(" drop rank=([0-9]+) group=([0-9]+)"), load(" load rank=([0-9]+) model=(\\S+)"),
        step(" submit ticket=[0-9]+ to=([0-9]+) .*group=([0-9]+)");
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
      std::smatch f;
      if (std::regex_search(line, f, drop)) {
        const int rank = std::stoi(f[1]);
        const uint64_t group = std::stoull(f[2]);
        EXPECT_TRUE(group == 0 || held[rank] == 0 || held[rank] == group)
            << "rank " << rank << " holds group " << held[rank] << ": " << line;
        held[rank] = 0;
        loaded[rank].clear();
      } else if (std::regex_search(line, f, load)) {
        EXPECT_TRUE(loaded[std::stoi(f[1])].insert(f[2]).second) << "loaded twice without a release: " << line;
      } else if (std::regex_search(line, f, step) && line.find(" release=1") == std::string::npos) {
        const int rank = std::stoi(f[1]);
        const uint64_t group = std::stoull(f[2]);
        if (group == 0) continue;
        EXPECT_TRUE(held[rank] == 0 || held[rank] == group)
            << "rank " << rank << " holds group " << held[rank] << ": " << line;
        held[rank] = group;
      }
    }
    // Each switch is traced, and released the rank before the new group's step.
    ASSERT_TRUE(std::regex_search(r.err, m, std::regex("([0-9]+) group switches"))) << r.err;
    size_t switches = 0;
    for (size_t at = log.find(" switch rank="); at != std::string::npos; at = log.find(" switch rank=", at + 1)) ++switches;
    EXPECT_EQ(std::to_string(switches), m[1].str()) << r.err;
  }
}

// From 8 ranks on (mpi/placement.h, kRankZeroComputesBelow) rank 0 only schedules and
// commits: every unit of every stage goes to a worker, with the same content.
TEST_F(MpiCliTest, RankZeroOnlySchedulesFromEightRanksOn) {
  WriteFile(dir_.File("cfg_groups.json"), kConfigThreeGroups);
  const std::string ref = dir_.File("ref_groups.db");
  auto plain = RunCli({"--db", ref, "experiment", "run", dir_.File("cfg_groups.json"), "--threads", "1"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const std::string db = dir_.File("np8.db");
  auto r = RunShell(Mpirun(8) + " --db " + ShellQuote(db) + " experiment run " + ShellQuote(dir_.File("cfg_groups.json")) +
                    " --mpi --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Compare(db, ref), Compare(ref, ref));
  for (const char* stage : {"runs", "embeddings", "diagrams"}) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.err, m, std::regex(std::string("mpi ") + stage + ": [0-9]+ units on workers \\([0-9]+ items\\), ([0-9]+) on rank 0")))
        << r.err;
    EXPECT_EQ(m[1].str(), "0") << stage << "\n" << r.err;
  }
}

TEST_F(MpiCliTest, AKilledRankEndsTheJobWithAReportAndResumeFinishes) {
  const std::string db = dir_.File("killed.db");
  // Worker rank 1 dies (SIGKILL) when its 4th unit arrives. mpirun then sends SIGTERM to
  // the others and SIGKILL odls_base_sigkill_timeout later (1 s by default, which on a
  // loaded machine is not always enough for rank 0 to report: 5 s, as docs/MPI.md advises).
  auto r = RunShell(Mpirun(3, "--mca odls_base_sigkill_timeout 5 -x PANIC_TDA_MPI_FAULT=1:4") + " --db " + ShellQuote(db) + " experiment run " +
                    ShellQuote(dir_.File("cfg.json")) + " --mpi --threads 1");
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("rank 1"), std::string::npos) << r.out << r.err;  // mpirun names the rank
  EXPECT_NE(r.err.find("experiment resume"), std::string::npos) << r.err;           // rank 0's report
  // What was committed stays: every run, some embeddings, not all.
  auto counts = RunShell("sqlite3 " + ShellQuote(db) +
                         " \"SELECT (SELECT count(*) FROM invocations), (SELECT count(*) FROM embeddings)\"");
  auto ref_counts = RunShell("sqlite3 " + ShellQuote(Ref()) +
                             " \"SELECT (SELECT count(*) FROM invocations), (SELECT count(*) FROM embeddings)\"");
  EXPECT_NE(counts.out, ref_counts.out);
  EXPECT_NE(Compare(db).substr(0, 5), "same ");

  auto resumed = RunCli({"--db", db, "experiment", "resume", "latest", "--threads", "1"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(Compare(db), Compare(Ref()));
}

// A worker that hangs (it stops itself with SIGSTOP at its 4th unit: mpirun sees nothing)
// is found by rank 0 itself: no heartbeat for --mpi-timeout seconds. Rank 0 names the rank
// and the units in flight, keeps what was committed, prints the resume command and ends
// the job non-zero; `resume` (under MPI again) finishes it with the reference content.
TEST_F(MpiCliTest, RankZeroFindsALostRankItselfAndResumeFinishes) {
  const std::string db = dir_.File("hung.db");
  auto r = RunShell("timeout 120 " + Mpirun(3, "-x PANIC_TDA_MPI_FAULT=1:4:stop") + " --db " + ShellQuote(db) +
                    " experiment run " + ShellQuote(dir_.File("cfg.json")) + " --mpi --threads 1 --mpi-timeout 2");
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.exit_code, 124) << "the job was not ended by rank 0\n" << r.out << r.err;
  EXPECT_NE(r.err.find("a worker rank is lost: rank 1 has sent nothing for"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("units in flight, not committed (resume redoes them): rank 1 unit"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("experiment resume"), std::string::npos) << r.err;
  EXPECT_NE(Compare(db).substr(0, 5), "same ");

  auto resumed = RunShell(Mpirun(2) + " --db " + ShellQuote(db) + " experiment resume latest --mpi --threads 1");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(Compare(db), Compare(Ref()));
}

// A worker killed (SIGKILL) in a job whose mpirun does not end the others when one dies
// (orte_abort_on_non_zero_status 0): rank 0 finds it by its silence, reports it and the
// units in flight, and ends the job; `resume` without MPI finishes it.
TEST_F(MpiCliTest, RankZeroFindsADeadRankItselfWhenMpirunLetsTheJobGoOn) {
  const std::string db = dir_.File("dead.db");
  auto r = RunShell("timeout 120 " + Mpirun(3, "--mca orte_abort_on_non_zero_status 0 -x PANIC_TDA_MPI_FAULT=1:4") +
                    " --db " + ShellQuote(db) + " experiment run " + ShellQuote(dir_.File("cfg.json")) +
                    " --mpi --threads 1 --mpi-timeout 2");
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.exit_code, 124) << "the job was not ended by rank 0\n" << r.out << r.err;
  EXPECT_NE(r.err.find("a worker rank is lost: rank 1 has sent nothing for"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("units in flight, not committed (resume redoes them): rank 1 unit"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("experiment resume"), std::string::npos) << r.err;
  EXPECT_NE(Compare(db).substr(0, 5), "same ");

  auto resumed = RunCli({"--db", db, "experiment", "resume", "latest", "--threads", "1"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(Compare(db), Compare(Ref()));
}

TEST_F(MpiCliTest, BadMpiTimeoutIsRefusedNamingTheValue) {
  auto r = RunShell(Mpirun(1) + " --db " + ShellQuote(dir_.File("t.db")) + " experiment run " +
                    ShellQuote(dir_.File("cfg.json")) + " --mpi --mpi-timeout 0.5");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--mpi-timeout: 0.5 is not allowed (seconds, 1..604800, or 0 for no limit)"), std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("t.db")));
}

}  // namespace
}  // namespace panic::testing
