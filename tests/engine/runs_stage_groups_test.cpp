// The runs stage under an executor that keeps several units out (engine/unit_executor.h,
// as `--mpi` does), without MPI: an in-process executor that finishes the units out in the
// reverse order of their hand-out (as ranks finishing at different times would). With more
// slots than a network group's chunks, other groups' chunks are out at the same time; each
// group's release comes once it is done, with nothing else out; and every run's
// invocations are those of one process without an executor.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "panic/engine/config_validation.h"
#include "panic/engine/experiment_setup.h"
#include "panic/engine/pipeline.h"
#include "panic/engine/runs_stage.h"
#include "panic/engine/unit_executor.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"
#include "support/test_support.h"

namespace panic::engine {
namespace {

// Three networks, two runs each, one run per call: 2 chunks per group under an executor.
constexpr const char* kThreeGroups = R"({"networks": [["DummyT2I", "DummyI2T"], ["DummyT2I2", "DummyI2T2"],
  ["DummyT2I2", "DummyI2T"]], "seeds": [1], "prompts": ["a red fox", "the sea at night"],
  "embedding_models": ["DummyText"], "max_length": 8,
  "options": {"loop_detection": "off", "max_batch": {"DummyT2I": 1, "DummyI2T": 1, "DummyT2I2": 1, "DummyI2T2": 1}}})";

class LastFirstExecutor : public UnitExecutor {
 public:
  explicit LastFirstExecutor(size_t capacity) : capacity_(capacity) {}
  Status Begin(const nlohmann::json&, int) override { return Status::Ok(); }
  size_t Capacity(const Stage&) override { return capacity_; }
  Status Submit(Stage& stage, uint64_t ticket, std::any unit, ExecuteContext& ctx) override {
    if (stage.info().name == "runs") {
      const auto& u = std::any_cast<const RunStepUnit&>(unit);
      if (u.release) {
        // A release goes out alone: no other unit of any stage is out.
        EXPECT_TRUE(held_.empty()) << "a release of group " << u.group << " while units are out";
        released_.push_back(u.group);
      } else if (u.group != 0) {
        groups_out_[ticket] = u.group;
        std::set<uint64_t> distinct;
        for (const auto& [t, g] : groups_out_) distinct.insert(g);
        most_groups_at_once_ = std::max(most_groups_at_once_, distinct.size());
      }
    }
    if (held_.size() >= capacity_) return Status::Internal("more units than the capacity");
    held_.push_back({&stage, ticket, std::move(unit), &ctx});
    return Status::Ok();
  }
  Result<std::pair<uint64_t, std::any>> Collect(Stage&, ExecuteContext&) override {
    if (held_.empty()) return Status::Internal("nothing out");
    Held h = std::move(held_.back());
    held_.pop_back();
    groups_out_.erase(h.ticket);
    PANIC_ASSIGN_OR_RETURN(std::any out, h.stage->Execute(h.unit, *h.ctx));
    return std::pair<uint64_t, std::any>(h.ticket, std::move(out));
  }
  Status ReleaseModels() override {
    ++release_points_;
    return Status::Ok();
  }

  size_t most_groups_at_once_ = 0;
  int release_points_ = 0;
  std::vector<uint64_t> released_;  // groups, in the order of their release units

 private:
  struct Held {
    Stage* stage;
    uint64_t ticket;
    std::any unit;
    ExecuteContext* ctx;
  };
  size_t capacity_;
  std::vector<Held> held_;
  std::map<uint64_t, uint64_t> groups_out_;  // ticket → group of the runs steps out
};

struct Fixture {
  panic::testing::TempDir dir;
  std::unique_ptr<store::Database> store;
  models::ModelRegistry registry;
  Fixture() {
    store = std::move(store::Database::Open(dir.File("t.db"), store::OpenMode::kCreate)).value();
    models::RegisterDummyModels(registry);
  }
  std::string Create() {
    auto cfg = ParseExperimentConfig(kThreeGroups, "test");
    EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
    EXPECT_TRUE(ValidateConfigModels(*cfg, registry).ok());
    return std::move(CreateExperiment(*store, *cfg)).value();
  }
  // run number → every invocation as stored, ids and times left out.
  std::map<int64_t, std::vector<std::string>> Invocations(const std::string& experiment_id) {
    std::map<int64_t, std::vector<std::string>> out;
    for (const auto& r : std::move(store::runs::List(store->connection(), experiment_id)).value()) {
      for (const auto& i : std::move(store::invocations::ListForRun(store->connection(), r.id, true)).value()) {
        out[r.run_number].push_back(std::to_string(i.sequence_number) + " " + i.model + " " + std::to_string(i.seed) +
                                    " " + i.output_text + " " + i.output_image + " " +
                                    std::to_string(i.batch_size.value_or(-1)) + " " + r.stop_reason.value_or("-"));
      }
    }
    return out;
  }
};

TEST(RunsStageGroupsTest, GroupsRunAtOnceOnFreeSlotsWithTheContentOfOneProcess) {
  for (size_t slots : {2, 3, 4, 6}) {
    SCOPED_TRACE("slots " + std::to_string(slots));
    Fixture f;
    const std::string ref = f.Create();
    auto plain = ExecuteExperiment(*f.store, f.registry, ref, {});
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    const std::string id = f.Create();
    LastFirstExecutor executor(slots);
    PipelineOptions options;
    options.executor = &executor;
    auto spread = ExecuteExperiment(*f.store, f.registry, id, options);
    ASSERT_TRUE(spread.ok()) << spread.status().ToString();
    EXPECT_TRUE(spread->completed);
    const auto want = f.Invocations(ref);
    ASSERT_EQ(want.size(), 6u);
    EXPECT_EQ(f.Invocations(id), want);
    // Two chunks per group: a slot that a closed chunk frees, or a slot beyond the group's
    // chunks, takes the next group's chunk while the first is still out; with six slots
    // every group is out from the start.
    EXPECT_GE(executor.most_groups_at_once_, 2u);
    if (slots == 6) {
      EXPECT_EQ(executor.most_groups_at_once_, 3u);
    }
    // Each group released once, when it is done (not necessarily in plan order).
    EXPECT_EQ(executor.release_points_, 3);
    std::vector<uint64_t> released = executor.released_;
    std::sort(released.begin(), released.end());
    EXPECT_EQ(released, (std::vector<uint64_t>{1, 2, 3}));
    EXPECT_EQ(spread->written("diagrams"), plain->written("diagrams"));
  }
}

}  // namespace
}  // namespace panic::engine
