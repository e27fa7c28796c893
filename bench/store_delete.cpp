// Deleting a large experiment (issue 9 §1: 1 000 000 invocations with their embeddings and
// diagrams in ≤ 30 s on a 2-core machine). Builds the experiment through the store's table
// functions (text invocations chained by input_invocation_id, one embedding each, one diagram
// per run), closes the database, reopens it and times store::DeleteExperiment alone.
//
//   bench_store_delete [--runs 1000] [--steps 1000] [--dim 768] [--db PATH] [--keep 1]
//                      [--phase both|build|delete] [--method explicit|previous]
//
// --phase build writes the database and keeps it; --phase delete deletes the (only)
// experiment of an existing database, so one built database can be copied and deleted many
// times (profiling). The database is removed afterwards unless --keep 1 or --phase build.
// --method previous deletes as the code before store::DeleteExperiment's explicit cascade did
// (experiments::Delete under SQLite's own foreign-key actions, secure_delete=FAST), for a
// before/after comparison on the same file.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>


#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/store/database.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiment_delete.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/npz_codec.h"
#include "panic/store/sqlite_db.h"

#include "bench_clock.h"

using namespace panic;
using Clock = std::chrono::steady_clock;

namespace {

using panic::bench::CpuSeconds;
using panic::bench::Seconds;

int Fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return 1;
}

uint64_t FileBytes(const std::string& db) {
  uint64_t bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    if (std::filesystem::exists(db + suffix)) bytes += std::filesystem::file_size(db + suffix);
  }
  return bytes;
}

// Writes one experiment of `runs` × `steps` text invocations; returns its id.
Result<std::string> Build(const std::string& db, int runs, int steps, int dim) {
  PANIC_ASSIGN_OR_RETURN(auto opened, store::Database::Open(db, store::OpenMode::kCreate, store::Durability::kNormal));
  store::Database& st = *opened;
  store::ExperimentRecord e;
  e.id = NewUuidV7();
  e.networks = {{"DummyI2T"}};
  e.seeds = {1};
  e.prompts = {"p"};
  e.embedding_models = {"DummyText"};
  e.max_length = steps;
  e.created_at = e.updated_at = NowIso();
  std::vector<store::RunRecord> run_records;
  for (int r = 0; r < runs; ++r) {
    store::RunRecord run;
    run.id = NewUuidV7();
    run.experiment_id = e.id;
    run.run_number = r;
    run.network = {"DummyI2T"};
    run.seed = r;
    run.max_length = steps;
    run.initial_prompt = "p";
    run_records.push_back(run);
  }
  PANIC_RETURN_IF_ERROR(st.Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, run_records); }));
  tda::Diagram diagram;
  diagram.dimensions.resize(2);
  for (int b = 0; b < 200; ++b) diagram.dimensions[0].push_back({0.0f, 0.01f * b});
  for (int b = 0; b < 50; ++b) diagram.dimensions[1].push_back({0.1f * b, 0.1f * b + 0.05f});
  const std::string npz = store::EncodeDiagramNpz(diagram, {1.0f, 0.5f});
  const std::string now = NowIso();
  for (const auto& run : run_records) {
    std::vector<store::InvocationRecord> invocations;
    std::vector<store::EmbeddingRecord> embeddings;
    std::optional<std::string> previous;
    for (int step = 0; step < steps; ++step) {
      store::InvocationRecord inv;
      inv.id = NewUuidV7();
      inv.run_id = run.id;
      inv.sequence_number = step;
      inv.model = "DummyI2T";
      inv.seed = run.seed;
      inv.input_invocation_id = previous;
      inv.output_text = "a caption of some forty characters, #" + std::to_string(step);
      inv.started_at = inv.completed_at = now;
      previous = inv.id;
      store::EmbeddingRecord emb;
      emb.id = NewUuidV7();
      emb.invocation_id = inv.id;
      emb.embedding_model = "DummyText";
      emb.vector.assign(static_cast<size_t>(dim), 0.001f * static_cast<float>(step % 97));
      emb.started_at = emb.completed_at = now;
      invocations.push_back(std::move(inv));
      embeddings.push_back(std::move(emb));
    }
    store::RunCompletion done{run.id, "length", std::nullopt, std::nullopt, now};
    PANIC_RETURN_IF_ERROR(
        st.Write([&](store::SqliteDb& c) { return store::invocations::InsertStep(c, invocations, {done}); }));
    PANIC_RETURN_IF_ERROR(st.Write([&](store::SqliteDb& c) { return store::embeddings::Insert(c, embeddings); }));
    store::PersistenceDiagramRecord d;
    d.id = NewUuidV7();
    d.run_id = run.id;
    d.embedding_model = "DummyText";
    d.diagram_data = npz;
    d.point_count = steps;
    d.last_sequence_number = steps - 1;
    d.started_at = d.completed_at = now;
    PANIC_RETURN_IF_ERROR(st.Write([&](store::SqliteDb& c) { return store::diagrams::Put(c, d); }));
  }
  return e.id;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 1000, steps = 1000, dim = 768, keep = 0;
  std::string db = "/tmp/panic_bench_store_delete.db", phase = "both", method = "explicit";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--runs") runs = std::atoi(v.c_str());
    else if (k == "--steps") steps = std::atoi(v.c_str());
    else if (k == "--dim") dim = std::atoi(v.c_str());
    else if (k == "--db") db = v;
    else if (k == "--keep") keep = std::atoi(v.c_str());
    else if (k == "--phase" && (v == "both" || v == "build" || v == "delete")) phase = v;
    else if (k == "--method" && (v == "explicit" || v == "previous")) method = v;
    else {
      std::fprintf(stderr, "unknown flag or value: %s %s\n", k.c_str(), v.c_str());
      return 2;
    }
  }

  std::string experiment_id;
  if (phase != "delete") {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
    const auto build_start = Clock::now();
    auto built = Build(db, runs, steps, dim);
    if (!built.ok()) return Fail(built.status());
    experiment_id = *built;
    std::printf("runs %d x steps %d = %lld invocations, %lld embeddings of %d floats, %d diagrams\n", runs, steps,
                static_cast<long long>(runs) * steps, static_cast<long long>(runs) * steps, dim, runs);
    std::printf("database %.1f MB, built in %.1f s\n", static_cast<double>(FileBytes(db)) / 1e6, Seconds(build_start));
    if (phase == "build") return 0;
  }

  const uint64_t bytes_before = FileBytes(db);
  const auto delete_start = Clock::now();
  const double delete_cpu_start = CpuSeconds();
  double transaction_s = 0;
  {
    auto opened = store::Database::Open(db, store::OpenMode::kWrite);
    if (!opened.ok()) return Fail(opened.status());
    if (experiment_id.empty()) {
      auto id = (*opened)->Read([](store::SqliteDb& c) { return store::experiments::ResolveId(c, "latest"); });
      if (!id.ok()) return Fail(id.status());
      experiment_id = *id;
    }
    const auto transaction_start = Clock::now();
    if (method == "explicit") {
      if (Status s = store::DeleteExperiment(**opened, experiment_id); !s.ok()) return Fail(s);
    } else {
      store::SqliteDb& c = (*opened)->connection();
      if (Status s = c.Exec("PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; PRAGMA secure_delete = FAST");
          !s.ok()) {
        return Fail(s);
      }
      Status s = (*opened)->Write([&](store::SqliteDb& w) { return store::experiments::Delete(w, experiment_id); });
      if (!s.ok()) return Fail(s);
    }
    transaction_s = Seconds(transaction_start);
  }
  const double delete_s = Seconds(delete_start);
  const double delete_cpu_s = CpuSeconds() - delete_cpu_start;
  std::printf("database %.1f MB before the delete\n", static_cast<double>(bytes_before) / 1e6);
  std::printf("delete, method %s (open + delete + close, synchronous=FULL): %.2f s wall (%.2f s in the delete, "
              "%.2f s opening and closing), %.2f s CPU\n",
              method.c_str(), delete_s, transaction_s, delete_s - transaction_s, delete_cpu_s);
  if (!keep) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  }
  return 0;
}
