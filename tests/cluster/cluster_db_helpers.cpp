#include <gtest/gtest.h>

#include "cluster/cluster_db_fixture.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/store/database.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"

namespace panic::testing {

StoredCloud StoreCloud(const std::string& db_path, const std::vector<float>& values, size_t n, size_t dim,
                       size_t experiments, size_t runs, const std::string& model) {
  StoredCloud out;
  auto db = std::move(store::Database::Open(db_path, store::OpenMode::kCreate, store::Durability::kNormal)).value();
  const std::string now = NowIso();
  size_t row = 0;
  for (size_t x = 0; x < experiments; ++x) {
    store::ExperimentRecord e;
    e.id = NewUuidV7();
    e.networks = {{"DummyT2I", "DummyI2T"}};
    e.seeds = {1};
    e.prompts = {"p"};
    e.embedding_models = {model};
    const size_t share = (n * (x + 1)) / experiments - (n * x) / experiments;
    e.max_length = static_cast<int64_t>(share + 1);
    e.created_at = e.updated_at = now;
    std::vector<store::RunRecord> run_records;
    for (size_t r = 0; r < runs; ++r) {
      store::RunRecord rr;
      rr.id = NewUuidV7();
      rr.experiment_id = e.id;
      rr.run_number = static_cast<int64_t>(r);
      rr.network = e.networks[0];
      rr.seed = static_cast<int64_t>(r);
      rr.max_length = e.max_length;
      rr.initial_prompt = "p";
      run_records.push_back(rr);
    }
    EXPECT_TRUE(db->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, run_records); }).ok());
    out.experiment_ids.push_back(e.id);
    for (size_t r = 0; r < runs; ++r) {
      const size_t steps = (share * (r + 1)) / runs - (share * r) / runs;
      std::vector<store::InvocationRecord> invocations;
      std::vector<store::EmbeddingRecord> embeddings;
      for (size_t s = 0; s < steps; ++s, ++row) {
        store::InvocationRecord inv;
        inv.id = NewUuidV7();
        inv.run_id = run_records[r].id;
        inv.sequence_number = static_cast<int64_t>(s);
        inv.model = "DummyI2T";
        inv.type = store::OutputType::kText;
        inv.seed = 1;
        inv.output_text = "caption " + std::to_string(row);
        inv.started_at = inv.completed_at = now;
        store::EmbeddingRecord emb;
        emb.id = NewUuidV7();
        emb.invocation_id = inv.id;
        emb.embedding_model = model;
        emb.vector.assign(values.begin() + static_cast<std::ptrdiff_t>(row * dim),
                          values.begin() + static_cast<std::ptrdiff_t>((row + 1) * dim));
        emb.started_at = emb.completed_at = now;
        out.embedding_ids.push_back(emb.id);
        out.run_ids.push_back(inv.run_id);
        invocations.push_back(std::move(inv));
        embeddings.push_back(std::move(emb));
      }
      Status s = db->Write([&](store::SqliteDb& c) -> Status {
        PANIC_RETURN_IF_ERROR(store::invocations::InsertStep(c, invocations, {}));
        return store::embeddings::Insert(c, embeddings);
      });
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  }
  return out;
}

}  // namespace panic::testing
