// A small experiment whose stored rows carry timestamps chosen by the test, for the ETA
// of `experiment show` (tests/engine/stage_rate_test.cpp, tests/cli/experiment_show_eta_test.cpp).
//
// Two runs (seeds 1 and 2) of DummyT2I → DummyI2T, max_length 10, embedded by DummyText:
//   invocations  steps 0..3 of both runs, one call of 2 items per step, step k from
//                T0 + 10k s to T0 + 10k + 2 s: 8 in 8 s of work (1/s), 12 steps left;
//   embeddings   step 1's two text outputs in one call from T0 + 100 s to T0 + 101 s
//                (2/s); 10 text outputs expected, 8 left;
//   diagrams     none (AddTimedFailedDiagram: one failed row from T0 + 200 s to + 204 s).
#pragma once

#include <string>

#include "panic/core/experiment_config.h"
#include "panic/core/image.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/engine/experiment_setup.h"
#include "panic/store/database.h"
#include "panic/store/diagram_writes.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/image_codec.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"

namespace panic::testing {

inline constexpr int64_t kTimedT0 = int64_t{1767225600} * 1000000;  // 2026-01-01T00:00:00Z

inline std::string TimedAt(double seconds) {
  return FormatIsoMicros(kTimedT0 + static_cast<int64_t>(seconds * 1e6));
}

inline Result<std::string> CreateTimedExperiment(store::Database& db) {
  PANIC_ASSIGN_OR_RETURN(ExperimentConfig cfg,
                         ParseExperimentConfig(R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1, 2],
      "prompts": ["p"], "embedding_models": ["DummyText"], "max_length": 10, "options": {"loop_detection": "off"}})",
                                               "timed"));
  PANIC_ASSIGN_OR_RETURN(std::string id, engine::CreateExperiment(db, cfg));
  PANIC_ASSIGN_OR_RETURN(auto runs, store::runs::List(db.connection(), id));
  PANIC_ASSIGN_OR_RETURN(std::string webp, store::EncodeWebp(RgbImage::Solid(8, 8, 10, 20, 30)));
  std::vector<std::string> step1;  // the text outputs of step 1
  std::vector<std::optional<std::string>> previous(runs.size());
  for (int64_t k = 0; k < 4; ++k) {
    std::vector<store::InvocationRecord> call;
    for (size_t r = 0; r < runs.size(); ++r) {
      store::InvocationRecord inv;
      inv.id = NewUuidV7();
      inv.run_id = runs[r].id;
      inv.sequence_number = k;
      inv.model = k % 2 == 0 ? "DummyT2I" : "DummyI2T";
      inv.type = k % 2 == 0 ? store::OutputType::kImage : store::OutputType::kText;
      if (k % 2 == 0) inv.output_image = webp;
      else inv.output_text = "caption " + std::to_string(k);
      inv.seed = runs[r].seed;
      inv.input_invocation_id = previous[r];
      inv.started_at = TimedAt(10.0 * static_cast<double>(k));
      inv.completed_at = TimedAt(10.0 * static_cast<double>(k) + 2);
      inv.batch_size = static_cast<int64_t>(runs.size());
      inv.batch_position = static_cast<int64_t>(r);
      previous[r] = inv.id;
      if (k == 1) step1.push_back(inv.id);
      call.push_back(std::move(inv));
    }
    PANIC_RETURN_IF_ERROR(db.Write([&](store::SqliteDb& c) { return store::invocations::InsertStep(c, call, {}); }));
  }
  std::vector<store::EmbeddingRecord> vectors;
  for (const auto& inv : step1) {
    vectors.push_back({NewUuidV7(), inv, "DummyText", std::vector<float>(768, 0.5f), TimedAt(100), TimedAt(101)});
  }
  PANIC_RETURN_IF_ERROR(db.Write([&](store::SqliteDb& c) {
    Status inserted = store::embeddings::Insert(c, vectors);
    return inserted.ok() ? store::experiments::SetStarted(c, id, TimedAt(0)) : inserted;
  }));
  return id;
}

inline Status AddTimedFailedDiagram(store::Database& db, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(auto runs, store::runs::List(db.connection(), experiment_id));
  store::DiagramWrite w;
  w.record.id = NewUuidV7();
  w.record.run_id = runs.at(0).id;
  w.record.embedding_model = "DummyText";
  w.record.error = "failed in the test";
  w.record.started_at = TimedAt(200);
  w.record.completed_at = TimedAt(204);
  return store::ReplaceDiagrams(db, {w});
}

}  // namespace panic::testing
