#include "panic/core/option_schema.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace panic {
namespace option_values {

using nlohmann::json;

std::string Show(const json& v) {
  std::string s = v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

std::string KindOf(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "an object";
    default: return "a value";
  }
}

Status Invalid(const std::string& field, const json& value, const std::string& allowed) {
  return Status::InvalidArgument(field + ": " + Show(value) + " is not allowed (" + allowed + ")");
}

std::string IntRange(int64_t min, int64_t max) {
  return "an integer " + std::to_string(min) + ".." + std::to_string(max);
}

Result<int64_t> Int(const json& v, const std::string& field, int64_t min, int64_t max, const std::string& allowed) {
  if (!v.is_number_integer() && !v.is_number_unsigned()) {
    // 3.0 is accepted as 3 only when exactly integral and in range (the range test comes
    // first: casting a double outside int64 is undefined).
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (d >= static_cast<double>(min) && d <= static_cast<double>(max) && d == std::trunc(d)) {
        return static_cast<int64_t>(d);
      }
    }
    return Invalid(field, v, allowed);
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Invalid(field, v, allowed);
  }
  int64_t x = v.get<int64_t>();
  if (x < min || x > max) return Invalid(field, v, allowed);
  return x;
}

Status UnknownKey(const std::string& where, const std::string& key, const std::vector<std::string>& candidates,
                  const std::string& known) {
  std::string msg = where + "unknown key '" + key + "'";
  std::string near = NearestName(key, candidates);
  if (!near.empty()) msg += " — did you mean '" + near + "'?";
  return Status::InvalidArgument(msg + " (known keys: " + known + ")");
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace option_values

std::string NearestName(const std::string& word, const std::vector<std::string>& candidates) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  const std::string w = lower(word);
  std::string best;
  size_t best_d = 3;
  for (const auto& c : candidates) {
    const std::string lc = lower(c);
    if (!w.empty() && (lc.rfind(w, 0) == 0 || w.rfind(lc, 0) == 0)) return c;
    // Levenshtein distance, two rows.
    std::vector<size_t> prev(lc.size() + 1), cur(lc.size() + 1);
    for (size_t j = 0; j <= lc.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= w.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= lc.size(); ++j) {
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (w[i - 1] == lc[j - 1] ? 0 : 1)});
      }
      std::swap(prev, cur);
    }
    if (prev[lc.size()] < best_d) {
      best_d = prev[lc.size()];
      best = c;
    }
  }
  return best;
}

}  // namespace panic
