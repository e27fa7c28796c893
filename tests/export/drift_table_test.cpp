// The drift table (export/tidy_tables.h, read by store::EmbeddingScan in rowid order) equals,
// row for row and bit for bit, the per-trajectory computation that reads each (run, model)
// trajectory in order (analysis_reads::ForEachEmbedding, the reader it replaced), when the
// embeddings were written out of step order, with a text model measured from its prompt, an
// image model from the first image, a text model without a prompt embedding (NULL and a
// note), models of different dimensions and a zero vector; for 1 and 2 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "panic/analysis/semantic_drift.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/export/tidy_table.h"
#include "panic/export/tidy_tables.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/database.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/sqlite_db.h"
#include "support/test_support.h"

namespace panic::exporting {
namespace {

using store::OutputType;
using store::SqliteDb;

constexpr int kRuns = 4;
constexpr int kSteps = 6;  // even steps: images (model "V", 4-d); odd: text ("T", 5-d, and "N", 3-d)

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<store::Database> db =
      std::move(store::Database::Open(dir.File("d.db"), store::OpenMode::kCreate)).value();
  store::ExperimentRecord e;
  std::vector<store::RunRecord> runs;

  Fixture() {
    e.id = NewUuidV7();
    e.networks = {{"DummyT2I", "DummyI2T"}};
    e.seeds = {1};
    e.prompts = {"p", "q"};
    e.embedding_models = {"T", "V", "N"};
    e.max_length = kSteps;
    e.created_at = e.updated_at = NowIso();
    for (int i = 0; i < kRuns; ++i) {
      store::RunRecord r;
      r.id = NewUuidV7();
      r.experiment_id = e.id;
      r.run_number = i;
      r.network = e.networks[0];
      r.seed = 1;
      r.max_length = kSteps;
      r.initial_prompt = i % 2 == 0 ? "p" : "q";
      runs.push_back(r);
    }
    std::mt19937 rng(5);
    std::normal_distribution<float> normal;
    auto random = [&](size_t n) {
      std::vector<float> v(n);
      for (auto& x : v) x = normal(rng);
      return v;
    };
    std::map<std::pair<size_t, int>, std::string> invocation;  // (run, step) → id
    Status s = db->Write([&](SqliteDb& c) -> Status {
      PANIC_RETURN_IF_ERROR(store::experiments::Insert(c, e, runs));
      for (size_t r = 0; r < runs.size(); ++r) {
        std::vector<store::InvocationRecord> invs;
        for (int step = 0; step < kSteps; ++step) {
          store::InvocationRecord inv;
          inv.id = NewUuidV7();
          inv.run_id = runs[r].id;
          inv.sequence_number = step;
          inv.model = step % 2 == 0 ? "DummyT2I" : "DummyI2T";
          inv.type = step % 2 == 0 ? OutputType::kImage : OutputType::kText;
          inv.seed = 1;
          if (step % 2 == 0) inv.output_image = "image bytes"; else inv.output_text = "text";
          if (step > 0) inv.input_invocation_id = invs.back().id;
          inv.started_at = inv.completed_at = NowIso();
          invocation[{r, step}] = inv.id;
          invs.push_back(inv);
        }
        PANIC_RETURN_IF_ERROR(store::invocations::InsertStep(c, invs, {}));
      }
      // Prompt embeddings of T only ("N" has none: its drift is NULL with a note).
      return store::prompt_embeddings::Insert(
          c, {{NewUuidV7(), e.id, "p", "T", random(5), NowIso(), NowIso()},
              {NewUuidV7(), e.id, "q", "T", random(5), NowIso(), NowIso()}});
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    // Embeddings from the last step to the first, runs interleaved in reverse, one
    // transaction per step; run 1's step 3 under T is a zero vector (no direction: NaN).
    for (int step = kSteps - 1; step >= 0; --step) {
      s = db->Write([&](SqliteDb& c) -> Status {
        std::vector<store::EmbeddingRecord> embs;
        for (size_t r = runs.size(); r-- > 0;) {
          const std::string& inv = invocation[{r, step}];
          if (step % 2 == 0) {
            embs.push_back({NewUuidV7(), inv, "V", random(4), NowIso(), NowIso()});
          } else {
            embs.push_back({NewUuidV7(), inv, "T", r == 1 && step == 3 ? std::vector<float>(5, 0.0f) : random(5),
                            NowIso(), NowIso()});
            embs.push_back({NewUuidV7(), inv, "N", random(3), NowIso(), NowIso()});
          }
        }
        return store::embeddings::Insert(c, embs);
      });
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  }

  // The oracle: each trajectory in order, its drift computed at once (the former algorithm).
  std::vector<std::vector<Cell>> Expected() {
    std::vector<std::vector<Cell>> out;
    std::map<std::pair<std::string, std::string>, std::vector<float>> reference;
    Status s = db->Read([&](SqliteDb& c) -> Status {
      PANIC_ASSIGN_OR_RETURN(auto prompts, store::prompt_embeddings::List(c, e.id));
      for (auto& p : prompts) reference[{p.embedding_model, p.initial_prompt}] = p.vector;
      std::vector<store::TrajectoryPoint> points;
      auto flush = [&]() -> Status {
        if (points.empty()) return Status::Ok();
        const store::RunRecord* run = nullptr;
        for (const auto& r : runs) {
          if (r.id == points[0].run_id) run = &r;
        }
        const bool image = points[0].type == OutputType::kImage;
        std::vector<float> ref = image ? points[0].vector : std::vector<float>();
        if (auto it = reference.find({points[0].embedding_model, run->initial_prompt}); !image && it != reference.end()) {
          ref = it->second;
        }
        std::vector<float> flat;
        for (const auto& p : points) flat.insert(flat.end(), p.vector.begin(), p.vector.end());
        std::vector<double> drift(points.size());
        if (!ref.empty()) {
          PANIC_ASSIGN_OR_RETURN(drift, analysis::SemanticDrift(flat, ref.size(), ref, 1));
        }
        for (size_t k = 0; k < points.size(); ++k) {
          out.push_back({e.id, run->id, points[k].invocation_id, points[k].sequence_number, points[k].embedding_model,
                         std::string("DummyT2I→DummyI2T"), std::string("DummyT2I"), std::string("DummyI2T"),
                         run->initial_prompt, std::string(image ? "first_image" : "prompt"),
                         ref.empty() ? Cell() : Cell(drift[k])});
        }
        points.clear();
        return Status::Ok();
      };
      Status scanned = store::analysis_reads::ForEachEmbedding(c, e.id, std::nullopt, [&](const store::TrajectoryPoint& p) -> Status {
        if (!points.empty() && (points[0].run_id != p.run_id || points[0].embedding_model != p.embedding_model)) {
          PANIC_RETURN_IF_ERROR(flush());
        }
        points.push_back(p);
        return Status::Ok();
      });
      if (!scanned.ok()) return scanned;
      return flush();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
};

bool SameCell(const Cell& a, const Cell& b) {
  if (a.index() != b.index()) return false;
  if (const double* x = std::get_if<double>(&a)) {  // bit for bit (NaN included)
    const double y = std::get<double>(b);
    return std::memcmp(x, &y, sizeof y) == 0;
  }
  return a == b;
}

TEST(DriftTableTest, EqualsThePerTrajectoryComputationRowForRowWhateverTheWriteOrder) {
  Fixture f;
  const auto want = f.Expected();
  ASSERT_EQ(want.size(), size_t{kRuns * kSteps / 2 * 3});  // V on even steps, T and N on odd ones
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    std::vector<std::string> notes;
    TidyOptions o;
    o.threads = threads;
    o.notes = &notes;
    CollectSink sink;
    Status s = WriteDriftTable(*f.db, {f.e.id}, o, sink);
    ASSERT_TRUE(s.ok()) << s.ToString();
    const auto& rows = sink.table().rows;
    ASSERT_EQ(rows.size(), want.size());
    for (size_t k = 0; k < rows.size(); ++k) {
      ASSERT_EQ(rows[k].size(), want[k].size());
      for (size_t col = 0; col < rows[k].size(); ++col) {
        EXPECT_TRUE(SameCell(rows[k][col], want[k][col])) << "row " << k << " column " << sink.table().columns[col].name;
      }
    }
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("no stored embedding of a prompt under N"), std::string::npos) << notes[0];
  }
  // Real values, not only NULLs: the zero vector is NaN, the first image 0, the rest in (0, 2].
  int nan = 0, zero = 0, real = 0;
  for (const auto& row : want) {
    if (const double* d = std::get_if<double>(&row.back())) {
      if (std::isnan(*d)) ++nan; else if (*d == 0) ++zero; else ++real;
    }
  }
  EXPECT_EQ(nan, 1);
  EXPECT_EQ(zero, kRuns);
  EXPECT_EQ(real, kRuns * kSteps / 2 * 2 - nan - zero);

  // --model keeps only that model's rows, in the same order.
  TidyOptions o;
  o.model = "V";
  CollectSink sink;
  ASSERT_TRUE(WriteDriftTable(*f.db, {f.e.id}, o, sink).ok());
  std::vector<std::vector<Cell>> only_v;
  for (const auto& row : want) {
    if (std::get<std::string>(row[4]) == "V") only_v.push_back(row);
  }
  ASSERT_EQ(sink.table().rows.size(), only_v.size());
  for (size_t k = 0; k < only_v.size(); ++k) {
    for (size_t col = 0; col < only_v[k].size(); ++col) EXPECT_TRUE(SameCell(sink.table().rows[k][col], only_v[k][col]));
  }
}

}  // namespace
}  // namespace panic::exporting
