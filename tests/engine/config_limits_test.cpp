#include "panic/engine/config_limits.h"

#include <gtest/gtest.h>

namespace panic::engine {
namespace {

ExperimentConfig Config(size_t networks, size_t seeds, size_t prompts, size_t prompt_bytes = 1) {
  ExperimentConfig c;
  c.networks.assign(networks, {"DummyT2I", "DummyI2T"});
  c.seeds.assign(seeds, -1);
  c.prompts.assign(prompts, std::string(prompt_bytes, 'p'));
  c.embedding_models = {"DummyText"};
  c.max_length = 2;
  return c;
}

TEST(ConfigLimitsTest, RunsUpToTheLimitAreAllowed) {
  EXPECT_TRUE(ValidateConfigSize(Config(1, 1000, 1000)).ok());  // exactly 1 000 000
  EXPECT_TRUE(ValidateConfigSize(Config(4, 250, 1000)).ok());
  EXPECT_TRUE(ValidateConfigSize(Config(1, 1, 100000)).ok());
}

TEST(ConfigLimitsTest, OneRunMoreIsRefusedNamingTheShape) {
  Status s = ValidateConfigSize(Config(1, 1000, 1001));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("1 networks × 1000 seeds × 1001 prompts is more than 1000000 runs"), std::string::npos)
      << s.message();
  // Products that would overflow int64 are caught by division.
  EXPECT_FALSE(ValidateConfigSize(Config(3, 2000000, 2000000 / 1000)).ok());
}

TEST(ConfigLimitsTest, PromptBytesOverAllRunsAreBounded) {
  // 16 copies × 16 MiB = 256 MiB: at the limit. One byte more is over.
  EXPECT_TRUE(ValidateConfigSize(Config(4, 4, 1, size_t{16} << 20)).ok());
  Status s = ValidateConfigSize(Config(4, 4, 1, (size_t{16} << 20) + 1));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("exceed 256 MiB"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace panic::engine
