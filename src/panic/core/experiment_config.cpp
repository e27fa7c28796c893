#include "panic/core/experiment_config.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "panic/core/json_limits.h"

namespace panic {
namespace {

using nlohmann::json;

const std::vector<std::string> kTopLevelKeys = {"networks", "seeds", "seed_count", "num_runs", "prompts",
                                                "embedding_models", "max_length", "options"};
constexpr int64_t kMaxLength = 100000000;   // steps of one run
constexpr int64_t kMaxSeedCount = 1000000;  // seed_count / num_runs

using option_values::Invalid;
using option_values::IntRange;
using option_values::KindOf;
using option_values::Show;

Result<int64_t> GetInt(const json& v, const std::string& field, int64_t min, int64_t max, const std::string& allowed) {
  return option_values::Int(v, field, min, max, allowed);
}

Status UnknownKey(const std::string& where, const std::string& key, const std::vector<std::string>& known) {
  return option_values::UnknownKey(where, key, known, option_values::JoinNames(known));
}

Result<std::vector<std::string>> GetStringList(const json& v, const std::string& field, bool allow_empty_strings) {
  if (!v.is_array()) {
    return Status::InvalidArgument(field + ": expected a list of strings, got " + KindOf(v) + " " + Show(v));
  }
  if (v.empty()) return Status::InvalidArgument(field + ": the list is empty (give at least one)");
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string f = field + "[" + std::to_string(i) + "]";
    if (!v[i].is_string()) {
      return Status::InvalidArgument(f + ": expected a string, got " + KindOf(v[i]) + " " + Show(v[i]));
    }
    std::string s = v[i].get<std::string>();
    if (!allow_empty_strings && s.find_first_not_of(" \t\r\n") == std::string::npos) {
      return Invalid(f, v[i], "must be a non-empty string");
    }
    out.push_back(std::move(s));
  }
  return out;
}

// Replays the parse as SAX events to learn which field the parser stopped in, so that
// `"max_length": 1e400` says "max_length: 1e400 is out of range" rather than only the byte.
class FieldTracker : public nlohmann::json_sax<json> {
 public:
  bool null() override { return Value(); }
  bool boolean(bool) override { return Value(); }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override { return Value(); }
  bool string(string_t&) override { return Value(); }
  bool binary(binary_t&) override { return Value(); }
  bool start_object(std::size_t) override {
    path_.push_back({false, "", 0});
    return true;
  }
  bool key(string_t& k) override {
    path_.back().key = k;
    return true;
  }
  bool end_object() override { return End(); }
  bool start_array(std::size_t) override {
    path_.push_back({true, "", 0});
    return true;
  }
  bool end_array() override { return End(); }
  bool parse_error(std::size_t, const std::string& last_token, const nlohmann::detail::exception& e) override {
    token_ = last_token;
    out_of_range_ = e.id == 406;  // "number overflow"
    return false;
  }
  // "max_length", "networks[1][0]", "options.threshold"; empty at the top level.
  std::string Field() const {
    std::string f;
    for (const auto& level : path_) {
      if (level.array) f += "[" + std::to_string(level.index) + "]";
      else f += (f.empty() ? "" : ".") + level.key;
    }
    return f;
  }
  const std::string& token() const { return token_; }
  bool out_of_range() const { return out_of_range_; }

 private:
  struct Level {
    bool array;
    std::string key;
    size_t index;
  };
  bool Value() {
    if (!path_.empty() && path_.back().array) ++path_.back().index;
    return true;
  }
  bool End() {
    path_.pop_back();
    return Value();
  }
  std::vector<Level> path_;
  std::string token_;
  bool out_of_range_ = false;
};

Status JsonErrorAt(std::string_view json_text, const std::string& what) {
  FieldTracker tracker;
  json::sax_parse(json_text, &tracker);
  const std::string field = tracker.Field();
  if (tracker.out_of_range() && !field.empty()) {
    return Status::InvalidArgument(field + ": " + tracker.token() +
                                   " is out of range (numbers must be finite doubles; integers fit in 64 bits)");
  }
  return Status::InvalidArgument("not valid JSON" + (field.empty() ? "" : " (in " + field + ")") + ": " +
                                 what);
}

}  // namespace

Result<json> ParseExperimentOptions(std::string_view options_json) {
  if (options_json.size() > kMaxConfigBytes || JsonNestingDepth(options_json, kMaxConfigNesting) > kMaxConfigNesting) {
    return Status::Corruption("stored options: " + std::to_string(options_json.size()) +
                              " bytes, beyond the limits on a config (docs/DECODERS.md)");
  }
  json o;
  try {
    o = json::parse(options_json);
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("stored options are not JSON: ") + e.what());
  }
  if (!o.is_object()) return Status::Corruption("stored options: expected an object, got " + KindOf(o) + " " + Show(o));
  return o;
}

namespace {

// The config in `json_text`; its errors name the field but not the file (ParseExperimentConfig
// adds that, to every one of them).
Result<ExperimentConfig> ParseConfigText(std::string_view json_text) {
  if (json_text.size() > kMaxConfigBytes) {
    return Status::InvalidArgument(std::to_string(json_text.size()) + " bytes; a config may have at most " +
                                   std::to_string(kMaxConfigBytes) + " bytes");
  }
  if (JsonNestingDepth(json_text, kMaxConfigNesting) > kMaxConfigNesting) {
    return Status::InvalidArgument("lists and objects nested more than " +
                                   std::to_string(kMaxConfigNesting) + " deep (a config needs 3)");
  }
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
    return JsonErrorAt(json_text, e.what());
  }
  if (!doc.is_object()) {
    return Status::InvalidArgument("expected a JSON object with keys networks, seeds, prompts, "
                                   "embedding_models, max_length; got " + KindOf(doc));
  }
  for (const auto& [key, v] : doc.items()) {
    if (std::find(kTopLevelKeys.begin(), kTopLevelKeys.end(), key) == kTopLevelKeys.end()) {
      return UnknownKey("", key, kTopLevelKeys);
    }
  }
  for (const char* required : {"networks", "prompts", "embedding_models", "max_length"}) {
    if (!doc.contains(required)) {
      return Status::InvalidArgument(std::string(required) + ": missing (required key of the experiment config)");
    }
  }
  ExperimentConfig cfg;

  const json& nets = doc["networks"];
  if (!nets.is_array()) {
    return Status::InvalidArgument("networks: expected a list of lists of model names, got " + KindOf(nets) + " " +
                                   Show(nets));
  }
  if (nets.empty()) return Status::InvalidArgument("networks: the list is empty (give at least one network)");
  for (size_t i = 0; i < nets.size(); ++i) {
    const std::string f = "networks[" + std::to_string(i) + "]";
    if (!nets[i].is_array()) {
      return Status::InvalidArgument(f + ": expected a list of model names, got " + KindOf(nets[i]) + " " +
                                     Show(nets[i]) + " (networks is a list of lists, e.g. [[\"DummyT2I\", \"DummyI2T\"]])");
    }
    PANIC_ASSIGN_OR_RETURN(auto models, GetStringList(nets[i], f, false));
    cfg.networks.push_back(std::move(models));
  }

  int seed_keys = doc.contains("seeds") + doc.contains("seed_count") + doc.contains("num_runs");
  if (seed_keys != 1) {
    return Status::InvalidArgument(std::string("seeds: ") +
                                   (seed_keys == 0 ? "missing" : "given more than one way") +
                                   " (give exactly one of: seeds [list of ints, -1 = non-deterministic], "
                                   "seed_count n, num_runs n)");
  }
  if (doc.contains("seeds")) {
    const json& s = doc["seeds"];
    if (!s.is_array()) return Status::InvalidArgument("seeds: expected a list of integers, got " + KindOf(s) + " " + Show(s));
    if (s.empty()) return Status::InvalidArgument("seeds: the list is empty (give at least one seed)");
    for (size_t i = 0; i < s.size(); ++i) {
      PANIC_ASSIGN_OR_RETURN(int64_t seed, GetInt(s[i], "seeds[" + std::to_string(i) + "]", -1,
                                                  std::numeric_limits<int64_t>::max(),
                                                  "-1 for non-deterministic, or " +
                                                      IntRange(0, std::numeric_limits<int64_t>::max())));
      cfg.seeds.push_back(seed);
    }
  } else {
    const char* key = doc.contains("seed_count") ? "seed_count" : "num_runs";
    PANIC_ASSIGN_OR_RETURN(int64_t n, GetInt(doc[key], key, 1, kMaxSeedCount, IntRange(1, kMaxSeedCount) + ": that many runs with seed -1"));
    cfg.seeds.assign(static_cast<size_t>(n), -1);
  }

  PANIC_ASSIGN_OR_RETURN(cfg.prompts, GetStringList(doc["prompts"], "prompts", false));
  PANIC_ASSIGN_OR_RETURN(cfg.embedding_models, GetStringList(doc["embedding_models"], "embedding_models", false));
  PANIC_ASSIGN_OR_RETURN(cfg.max_length, GetInt(doc["max_length"], "max_length", 1, kMaxLength, IntRange(1, kMaxLength)));

  if (doc.contains("options")) {
    const json& o = doc["options"];
    if (!o.is_object()) return Status::InvalidArgument("options: expected an object, got " + KindOf(o) + " " + Show(o));
    cfg.options = o;
    cfg.options_json = o.dump();
  }
  return cfg;
}

}  // namespace

// The one place a config's errors get its name: every one starts with `source: ` (the
// engine's checks of models and options get the same prefix from their caller, cli/).
Result<ExperimentConfig> ParseExperimentConfig(std::string_view json_text, const std::string& source) {
  auto cfg = ParseConfigText(json_text);
  if (!cfg.ok()) return cfg.status().WithContext(source);
  return cfg;
}

Result<ExperimentConfig> LoadExperimentConfig(const std::string& path) {
  // stat first: opening a FIFO would block until a writer comes, and a directory opens.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    return Status::NotFound("config file '" + path + "' cannot be read: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    const char* what = S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                       : S_ISSOCK(st.st_mode) ? "a socket" : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                                                         : "not a regular file";
    return Status::InvalidArgument("config file '" + path + "' is " + what + "; give a JSON file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("config file '" + path + "' cannot be read: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseExperimentConfig(ss.str(), path);
}

}  // namespace panic
