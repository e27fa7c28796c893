#include "legacy/doctor_fixture_helpers.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/sqlite_shell.h"
#include "support/test_support.h"

namespace panic::testing::doctor {

std::string Content(const std::string& db) {
  return SqlOutput(db,
                   "SELECT r.run_number, r.stop_reason, i.sequence_number, i.model, i.type, coalesce(i.output_text, ''), "
                   "hex(i.output_image) FROM runs r JOIN invocations i ON i.run_id = r.id ORDER BY 1, 3; "
                   "SELECT r.run_number, i.sequence_number, e.embedding_model, hex(e.vector) FROM embeddings e JOIN "
                   "invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id ORDER BY 1, 2, 3; "
                   "SELECT r.run_number, d.embedding_model, hex(d.diagram_data) FROM persistence_diagrams d JOIN runs r ON "
                   "r.id = d.run_id ORDER BY 1, 2; SELECT count(*), count(completed_at) FROM experiments;");
}

std::string MakeHealthyDatabase(const std::string& dir, const std::string& path) {
  const std::string cfg = (std::filesystem::path(dir) / "cfg.json").string();
  WriteFile(cfg, R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [42], "prompts": ["a red apple", )"
                 R"("a penguin", "a city"], "embedding_models": ["DummyText", "DummyVision"], "max_length": 10})");
  auto r = RunCli({"--db", path, "experiment", "run", cfg, "--threads", "2"});
  if (r.exit_code != 0) return "experiment run exited " + std::to_string(r.exit_code) + ": " + r.err;
  SqlOutput(path, "PRAGMA wal_checkpoint(TRUNCATE);");
  return "";
}

}  // namespace panic::testing::doctor
