#include "panic/core/experiment_config.h"

#include <gtest/gtest.h>

namespace panic {
namespace {

constexpr const char* kValid = R"({
  "networks": [["DummyT2I", "DummyI2T"]],
  "seeds": [42, -1],
  "prompts": ["a red apple"],
  "embedding_models": ["DummyText"],
  "max_length": 10
})";

std::string Error(const std::string& json) {
  auto r = ParseExperimentConfig(json, "cfg.json");
  EXPECT_FALSE(r.ok()) << json;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

std::string With(const std::string& key, const std::string& value) {
  std::string s = kValid;
  size_t at = s.find("\"" + key + "\"");
  size_t colon = s.find(':', at);
  size_t end = s.find('\n', colon);
  if (s[end - 1] == ',') --end;
  return s.substr(0, colon + 1) + " " + value + s.substr(end);
}

TEST(ExperimentConfigTest, ParsesValidConfig) {
  auto r = ParseExperimentConfig(kValid, "cfg.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->networks, (std::vector<std::vector<std::string>>{{"DummyT2I", "DummyI2T"}}));
  EXPECT_EQ(r->seeds, (std::vector<int64_t>{42, -1}));
  EXPECT_EQ(r->prompts, std::vector<std::string>{"a red apple"});
  EXPECT_EQ(r->max_length, 10);
  EXPECT_EQ(r->options, nlohmann::json::object());  // defaults are each owner's (engine/option_schema_test)
  EXPECT_EQ(r->options_json, "{}");
}

TEST(ExperimentConfigTest, SeedCountAndNumRunsMeanSeedMinusOne) {
  std::string base = kValid;
  base.replace(base.find("\"seeds\": [42, -1]"), 17, "\"seed_count\": 3");
  auto r = ParseExperimentConfig(base, "cfg");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->seeds, (std::vector<int64_t>{-1, -1, -1}));
  base.replace(base.find("\"seed_count\""), 12, "\"num_runs\"");
  r = ParseExperimentConfig(base, "cfg");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->seeds.size(), 3u);
}

TEST(ExperimentConfigTest, RejectsBadJsonAndTypes) {
  EXPECT_NE(Error("{ not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(Error("[1,2]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(Error(With("networks", "\"DummyT2I\"")).find("networks: expected a list"), std::string::npos);
  EXPECT_NE(Error(With("networks", "[\"DummyT2I\"]")).find("networks[0]: expected a list"), std::string::npos);
  EXPECT_NE(Error(With("prompts", "[1]")).find("prompts[0]: expected a string"), std::string::npos);
  EXPECT_NE(Error(With("seeds", "[\"x\"]")).find("seeds[0]"), std::string::npos);
  EXPECT_NE(Error(With("max_length", "\"ten\"")).find("max_length"), std::string::npos);
}

TEST(ExperimentConfigTest, RejectsEmptyListsAndBadRanges) {
  EXPECT_NE(Error(With("networks", "[]")).find("networks: the list is empty"), std::string::npos);
  EXPECT_NE(Error(With("networks", "[[]]")).find("networks[0]: the list is empty"), std::string::npos);
  EXPECT_NE(Error(With("prompts", "[]")).find("prompts: the list is empty"), std::string::npos);
  EXPECT_NE(Error(With("prompts", "[\"  \"]")).find("prompts[0]"), std::string::npos);
  EXPECT_NE(Error(With("seeds", "[]")).find("seeds: the list is empty"), std::string::npos);
  EXPECT_NE(Error(With("embedding_models", "[]")).find("embedding_models: the list is empty"), std::string::npos);
  std::string m = Error(With("max_length", "0"));
  EXPECT_NE(m.find("max_length: 0 is not allowed"), std::string::npos) << m;
  EXPECT_NE(m.find("(an integer 1..100000000)"), std::string::npos) << m;
  EXPECT_NE(Error(With("max_length", "-5")).find("max_length: -5"), std::string::npos);
  EXPECT_NE(Error(With("seeds", "[-2]")).find("seeds[0]: -2 is not allowed"), std::string::npos);
}

// Messages state the whole rule, upper limit included, and numbers beyond what JSON or
// int64 holds name their field instead of failing inside the parser.
TEST(ExperimentConfigTest, OutOfRangeNumbersNameTheFieldAndTheLimit) {
  EXPECT_EQ(Error(With("max_length", "1e400")),
            "cfg.json: max_length: 1e400 is out of range (numbers must be finite doubles; integers fit in 64 bits)");
  EXPECT_EQ(Error(With("seeds", "[1, -1e999]")).rfind("cfg.json: seeds[1]: -1e999 is out of range", 0), 0u);
  EXPECT_NE(Error(With("max_length", "1000000000000")).find("an integer 1..100000000"), std::string::npos);
  EXPECT_NE(Error(With("max_length", "1e30")).find("max_length: 1e+30 is not allowed"), std::string::npos);
  EXPECT_NE(Error(With("seeds", "[9223372036854775808]")).find("an integer 0..9223372036854775807"), std::string::npos);
  EXPECT_NE(Error(With("seeds", "[-9223372036854775809]")).find("seeds[0]"), std::string::npos);
  EXPECT_NE(Error(R"({"networks": [["A"]], "seed_count": 1000001, "prompts": ["p"], "embedding_models": ["E"],
                     "max_length": 1})").find("seed_count: 1000001 is not allowed (an integer 1..1000000"),
            std::string::npos);
  EXPECT_NE(Error(With("max_length", "{\"a\": [1, 2e999]}")).find("max_length.a[1]: 2e999 is out of range"),
            std::string::npos);
  EXPECT_EQ(Error(With("max_length", "3.0}")).find("out of range"), std::string::npos);  // plain bad JSON
}

// One rule for the file's name: every error starts with it, once. Field errors had no
// prefix ("max_length: 0 is not allowed …") while JSON, object and unknown-key errors had
// one ("cfg.json: unknown key …"), and an out-of-range number had none.
TEST(ExperimentConfigTest, EveryErrorStartsWithTheSourceOnce) {
  std::string unknown = kValid;
  unknown.replace(unknown.find("\"networks\""), 10, "\"network\"");
  std::string no_seeds = kValid;
  no_seeds.replace(no_seeds.find("\"seeds\": [42, -1],"), 18, "");
  const std::vector<std::string> bad = {
      "{ not json",
      "[1,2]",
      unknown,
      no_seeds,
      With("networks", "\"DummyT2I\""),
      With("networks", "[[]]"),
      With("prompts", "[1]"),
      With("seeds", "[-2]"),
      With("seeds", "[1, -1e999]"),
      With("max_length", "0"),
      With("max_length", "10, \"seed_count\": 2"),
      With("embedding_models", "[]"),
      With("max_length", "10, \"options\": 3"),
      std::string(40, '[') + std::string(40, ']'),
  };
  for (const std::string& json : bad) {
    const std::string m = Error(json);
    EXPECT_EQ(m.rfind("cfg.json: ", 0), 0u) << m;
    EXPECT_EQ(m.find("cfg.json", 1), std::string::npos) << m;
  }
}

TEST(ExperimentConfigTest, UnknownKeysGetHints) {
  std::string s = kValid;
  s.replace(s.find("\"networks\""), 10, "\"network\"");
  std::string m = Error(s);
  EXPECT_NE(m.find("unknown key 'network'"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'networks'"), std::string::npos) << m;
  // Unknown keys inside `options` are refused by the engine, which knows every owner's
  // keys (tests/engine/option_schema_test.cpp).
}

TEST(ExperimentConfigTest, SeedsGivenTwoWaysOrMissing) {
  EXPECT_NE(Error(With("max_length", "10, \"seed_count\": 2")).find("more than one way"), std::string::npos);
  std::string s = kValid;
  s.replace(s.find("\"seeds\": [42, -1],"), 18, "");
  EXPECT_NE(Error(s).find("seeds: missing"), std::string::npos);
}

// The config layer keeps `options` as given and checks only that it is an object; its
// keys are checked and read by the stages and backends that declare them
// (tests/engine/option_schema_test.cpp).
TEST(ExperimentConfigTest, OptionsAreKeptForTheirOwners) {
  auto r = ParseExperimentConfig(
      With("max_length", R"(10, "options": {"loop_detection": "exact", "webp_quality": 80, "maxdim": 1,
           "metric": "cosine", "threshold": 1.5, "embedding_batch_size": 8, "max_batch": {"DummyT2I": 4}})"),
      "cfg");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->options.at("loop_detection"), "exact");
  EXPECT_EQ(r->options.at("max_batch").at("DummyT2I"), 4);
  EXPECT_EQ(nlohmann::json::parse(r->options_json), r->options);
  EXPECT_EQ(Error(With("max_length", "10, \"options\": [1]")), "cfg.json: options: expected an object, got a list [1]");
  EXPECT_EQ(Error(With("max_length", "10, \"options\": \"fast\"")), "cfg.json: options: expected an object, got a string \"fast\"");
  auto stored = ParseExperimentOptions(R"({"maxdim": 1})");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->at("maxdim"), 1);
  auto not_object = ParseExperimentOptions("[]");
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.status().code(), StatusCode::kCorruption);
}

TEST(ExperimentConfigTest, MissingFileIsNotFound) {
  auto r = LoadExperimentConfig("/nonexistent/cfg.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

TEST(ExperimentConfigTest, DirectoryIsNamedNotParsed) {
  auto r = LoadExperimentConfig("/tmp");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "config file '/tmp' is a directory; give a JSON file");
}

TEST(NearestNameTest, FindsTypos) {
  EXPECT_EQ(NearestName("DummyT2l", {"DummyT2I", "DummyI2T"}), "DummyT2I");
  EXPECT_EQ(NearestName("zzzzzz", {"DummyT2I"}), "");
}

// Issue 9 §3: a config is outside bytes; its size and nesting are capped before parsing.
TEST(ExperimentConfigTest, SizeAndNestingAreCapped) {
  EXPECT_TRUE(ParseExperimentConfig(kValid, "cfg.json").ok());
  std::string deep = With("max_length", std::string(kMaxConfigNesting, '[') + "1" + std::string(kMaxConfigNesting, ']'));
  EXPECT_NE(Error(deep).find("nested more than 32 deep"), std::string::npos);
  // Brackets inside strings do not count.
  std::string quoted = With("prompts", "[\"" + std::string(100, '[') + "\"]");
  EXPECT_TRUE(ParseExperimentConfig(quoted, "cfg.json").ok());
  std::string big = kValid;
  big.insert(1, std::string(kMaxConfigBytes, ' '));
  EXPECT_NE(Error(big).find("a config may have at most 67108864 bytes"), std::string::npos);
  auto stored = ParseExperimentOptions(std::string(100, '[') + std::string(100, ']'));
  EXPECT_EQ(stored.status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace panic
