// store::EmbeddingScan (issue 12's bulk read for drift): every embedding of the experiment
// once, whatever order the rows were written in, with the same (run, model, step, vector)
// as analysis_reads::ForEachEmbedding (the oracle: trajectory order by seeks); each
// trajectory's first point; one snapshot while a writer commits beside the scan; damaged
// vectors named.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/database.h"
#include "panic/store/embedding_scan.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/sqlite_db.h"
#include "store/store_test_fixtures.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::TempDir;

constexpr int kRuns = 3;
constexpr int kSteps = 5;  // even steps make images (embedded by "V", 2-d), odd ones text ("T", 3-d)

// (run number, model, step) with the vector and invocation id seen there.
using Key = std::tuple<int64_t, std::string, int64_t>;
struct Seen {
  std::string invocation_id;
  std::vector<float> vector;
  bool operator==(const Seen&) const = default;
};

struct Fixture {
  TempDir dir;
  std::string path = dir.File("a.db");
  std::unique_ptr<Database> db = std::move(Database::Open(path, OpenMode::kCreate)).value();
  ExperimentRecord e = MakeTestExperiment(kSteps);
  std::vector<RunRecord> runs = MakeTestRuns(e, kRuns);
  ExperimentRecord other = MakeTestExperiment(kSteps);
  std::map<std::pair<std::string, int64_t>, std::string> invocation;  // (run id, step) → id
  std::map<std::string, std::string> embedding_id;                    // invocation id + model → id

  static std::vector<float> VectorOf(int64_t run_number, int64_t step, bool image) {
    return image ? std::vector<float>{float(run_number), float(step)}
                 : std::vector<float>{float(run_number), float(step), 7.0f};
  }

  Fixture() {
    std::vector<RunRecord> other_runs = MakeTestRuns(other, 1);
    Status s = db->Write([&](SqliteDb& c) -> Status {
      PANIC_RETURN_IF_ERROR(experiments::Insert(c, e, runs));
      PANIC_RETURN_IF_ERROR(experiments::Insert(c, other, other_runs));
      std::vector<RunRecord> all = runs;
      all.push_back(other_runs[0]);
      for (const auto& run : all) {
        std::vector<InvocationRecord> invs;
        for (int step = 0; step < kSteps; ++step) {
          invs.push_back(MakeTestInvocation(run.id, step, "t" + std::to_string(step)));
          if (step % 2 == 0) {
            invs.back().type = OutputType::kImage;
            invs.back().output_text.clear();
            invs.back().output_image = "not really an image";
          }
          if (step > 0) invs.back().input_invocation_id = invs[step - 1].id;
          invocation[{run.id, step}] = invs.back().id;
        }
        PANIC_RETURN_IF_ERROR(invocations::InsertStep(c, invs, {}));
      }
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    // Embeddings out of step order: last step first, the runs interleaved, one transaction
    // per step (as a pipeline writing a batch of runs step by step, backwards). The other
    // experiment's run gets vectors under "T" and a model of its own, "Z".
    for (int step = kSteps - 1; step >= 0; --step) {
      s = db->Write([&](SqliteDb& c) -> Status {
        std::vector<EmbeddingRecord> embs;
        for (const auto& run : runs) {
          const bool image = step % 2 == 0;
          embs.push_back({NewUuidV7(), invocation[{run.id, step}], image ? "V" : "T",
                          VectorOf(run.run_number, step, image), NowIso(), NowIso()});
        }
        embs.push_back({NewUuidV7(), invocation[{other_runs[0].id, step}], "T", {9, 9, 9}, NowIso(), NowIso()});
        embs.push_back({NewUuidV7(), invocation[{other_runs[0].id, step}], "Z", {9}, NowIso(), NowIso()});
        for (const auto& emb : embs) embedding_id[emb.invocation_id + emb.embedding_model] = emb.id;
        return embeddings::Insert(c, embs);
      });
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  }

  // The oracle: the trajectory-order reader.
  std::vector<std::pair<Key, Seen>> ByTrajectory(Database& from, const std::optional<std::string>& model) {
    std::vector<std::pair<Key, Seen>> out;
    Status s = analysis_reads::ForEachEmbedding(from.connection(), e.id, model, [&](const TrajectoryPoint& p) {
      out.push_back({{RunNumber(p.run_id), p.embedding_model, p.sequence_number}, {p.invocation_id, p.vector}});
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  int64_t RunNumber(const std::string& run_id) const {
    for (const auto& r : runs) {
      if (r.id == run_id) return r.run_number;
    }
    return -1;
  }
};

// The scan's rows, sorted into trajectory order (run index, model index, step).
std::vector<std::pair<Key, Seen>> Sorted(const EmbeddingScan& scan, SqliteDb& c, const Fixture& f, Status& status) {
  std::vector<std::tuple<uint32_t, uint32_t, int64_t, Seen>> rows;
  status = scan.ForEach(c, [&](const EmbeddingScan::Row& r) {
    rows.emplace_back(r.run, r.model, r.sequence_number,
                      Seen{std::string(scan.invocation_id(r.invocation)), r.Vector()});
    return Status::Ok();
  });
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) < std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
  });
  std::vector<std::pair<Key, Seen>> out;
  for (auto& [run, model, step, seen] : rows) {
    out.push_back({{f.RunNumber(scan.run_ids()[run]), scan.models()[model], step}, std::move(seen)});
  }
  return out;
}

TEST(EmbeddingScanTest, EveryEmbeddingOnceInTrajectoryOrderWhenSortedWhateverTheWriteOrder) {
  Fixture f;
  auto reader = Database::Open(f.path, OpenMode::kReadOnly);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  for (const std::optional<std::string>& model : {std::optional<std::string>(), std::optional<std::string>("T")}) {
    Status s = (*reader)->Read([&](SqliteDb& c) -> Status {
      PANIC_ASSIGN_OR_RETURN(EmbeddingScan scan, EmbeddingScan::Prepare(c, f.e.id, model));
      EXPECT_EQ(scan.size(), model ? size_t{kRuns * 2} : size_t{kRuns * kSteps});
      Status scanned;
      auto got = Sorted(scan, c, f, scanned);
      EXPECT_TRUE(scanned.ok()) << scanned.ToString();
      const auto want = f.ByTrajectory(**reader, model);
      EXPECT_EQ(got.size(), want.size());
      EXPECT_TRUE(got == want);
      // The first point of each trajectory: step 0 (an image) under V, step 1 under T.
      for (uint32_t r = 0; r < scan.run_ids().size(); ++r) {
        for (uint32_t m = 0; m < scan.models().size(); ++m) {
          const auto& first = scan.first(r, m);
          const std::string& name = scan.models()[m];
          SCOPED_TRACE(name);
          if (name == "Z") {  // the other experiment's model
            EXPECT_FALSE(first.present);
            continue;
          }
          EXPECT_TRUE(first.present);
          EXPECT_EQ(first.sequence_number, name == "V" ? 0 : 1);
          EXPECT_EQ(first.type, name == "V" ? OutputType::kImage : OutputType::kText);
          EXPECT_EQ(first.count, name == "V" ? 3 : 2);
          auto v = scan.FirstVector(c, r, m);
          EXPECT_TRUE(v.ok()) << v.status().ToString();
          if (v.ok()) {
            EXPECT_EQ(*v, Fixture::VectorOf(f.RunNumber(scan.run_ids()[r]), first.sequence_number, name == "V"));
          }
        }
      }
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
}

// A writer commits beside the scan (new steps, every vector rewritten, a checkpoint): the
// scan, in one read transaction, still hands over exactly the snapshot it listed.
TEST(EmbeddingScanTest, AConcurrentWriterDoesNotChangeWhatTheScanReads) {
  Fixture f;
  auto reader = Database::Open(f.path, OpenMode::kReadOnly);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const auto before = f.ByTrajectory(**reader, std::nullopt);
  bool wrote = false;
  Status s = (*reader)->Read([&](SqliteDb& c) -> Status {
    PANIC_ASSIGN_OR_RETURN(EmbeddingScan scan, EmbeddingScan::Prepare(c, f.e.id, std::nullopt));
    std::vector<std::tuple<uint32_t, uint32_t, int64_t, Seen>> rows;
    Status scanned = scan.ForEach(c, [&](const EmbeddingScan::Row& r) -> Status {
      if (!wrote) {
        wrote = true;
        Status w = f.db->Write([&](SqliteDb& wc) -> Status {
          PANIC_ASSIGN_OR_RETURN(Statement * q, wc.Prepare("UPDATE embeddings SET vector = x'0000803f0000803f'"));
          PANIC_RETURN_IF_ERROR(q->Run());
          InvocationRecord inv = MakeTestInvocation(f.runs[0].id, kSteps, "late");
          inv.input_invocation_id = f.invocation[{f.runs[0].id, kSteps - 1}];
          PANIC_RETURN_IF_ERROR(invocations::InsertStep(wc, {inv}, {}));
          return embeddings::Insert(wc, {{NewUuidV7(), inv.id, "T", {5, 5, 5}, NowIso(), NowIso()}});
        });
        EXPECT_TRUE(w.ok()) << w.ToString();
        EXPECT_TRUE(f.db->connection().Exec("PRAGMA wal_checkpoint(PASSIVE)").ok());
      }
      rows.emplace_back(r.run, r.model, r.sequence_number,
                        Seen{std::string(scan.invocation_id(r.invocation)), r.Vector()});
      return Status::Ok();
    });
    EXPECT_TRUE(scanned.ok()) << scanned.ToString();
    EXPECT_EQ(rows.size(), before.size());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) < std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
    });
    for (size_t k = 0; k < std::min(rows.size(), before.size()); ++k) {
      EXPECT_EQ(std::get<3>(rows[k]), before[k].second) << k;
    }
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(wrote);
  // A new read sees the writer's work.
  const auto after = f.ByTrajectory(**reader, std::nullopt);
  EXPECT_EQ(after.size(), before.size() + 1);
  EXPECT_EQ(after.front().second.vector, (std::vector<float>{1, 1}));
}

TEST(EmbeddingScanTest, ADamagedVectorIsCorruptionNamingItsRow) {
  Fixture f;
  const std::string damaged = f.embedding_id[f.invocation[{f.runs[1].id, 3}] + "T"];
  const std::string damaged_first = f.embedding_id[f.invocation[{f.runs[2].id, 0}] + "V"];
  ASSERT_TRUE(f.db->Write([&](SqliteDb& c) -> Status {
    PANIC_ASSIGN_OR_RETURN(Statement * q, c.Prepare("UPDATE embeddings SET vector = x'010203' WHERE id IN (?, ?)"));
    q->Bind(1, damaged).Bind(2, damaged_first);
    return q->Run();
  }).ok());
  Status s = f.db->Read([&](SqliteDb& c) -> Status {
    PANIC_ASSIGN_OR_RETURN(EmbeddingScan scan, EmbeddingScan::Prepare(c, f.e.id, std::string("T")));
    Status scanned = scan.ForEach(c, [](const EmbeddingScan::Row&) { return Status::Ok(); });
    EXPECT_EQ(scanned.code(), StatusCode::kCorruption) << scanned.ToString();
    EXPECT_NE(scanned.message().find("embeddings row " + damaged), std::string::npos) << scanned.ToString();
    PANIC_ASSIGN_OR_RETURN(EmbeddingScan images, EmbeddingScan::Prepare(c, f.e.id, std::string("V")));
    auto first = images.FirstVector(c, 2, 0);
    EXPECT_EQ(first.status().code(), StatusCode::kCorruption) << first.status().ToString();
    EXPECT_NE(first.status().message().find(damaged_first), std::string::npos) << first.status().ToString();
    // A callback's error stops the scan and comes back as it is.
    int calls = 0;
    Status stopped = images.ForEach(c, [&](const EmbeddingScan::Row&) {
      ++calls;
      return Status::Cancelled("stop");
    });
    EXPECT_EQ(stopped.code(), StatusCode::kCancelled);
    EXPECT_EQ(calls, 1);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
}

}  // namespace
}  // namespace panic::store
