#include "panic/store/legacy_mapping.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "panic/core/json_limits.h"
#include "panic/core/uuid.h"
#include "panic/store/legacy_mapping_internal.h"

namespace panic::store::legacy {
namespace internal {

Status Bad(const char* column, const std::string& why) {
  return Status::InvalidArgument(std::string("column ") + column + ": " + why);
}

std::string Excerpt(std::string_view s) {
  std::string out(s.substr(0, 40));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) c = '?';
  }
  return "'" + out + (s.size() > 40 ? "…'" : "'");
}

Result<std::string> TextOf(const Value& v, const char* column, size_t cap) {
  if (!v) return Bad(column, "is NULL");
  if (v->size() > cap) return Bad(column, std::to_string(v->size()) + " bytes exceed the cap of " + std::to_string(cap));
  return *v;
}

Result<nlohmann::json> JsonOf(const Value& v, const char* column) {
  PANIC_ASSIGN_OR_RETURN(std::string text, TextOf(v, column, kMaxJsonBytes));
  if (JsonNestingDepth(text, kMaxJsonDepth) > kMaxJsonDepth) return Bad(column, "JSON nested too deeply");
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad(column, "is not JSON: " + Excerpt(text));
  if (!j.is_array()) return Bad(column, "is not a JSON list: " + Excerpt(text));
  return j;
}

Status Columns(const SourceRow& row, size_t n) {
  if (row.values.size() != n) {
    return Status::Internal("legacy row mapping: " + std::to_string(row.values.size()) + " values, expected " +
                            std::to_string(n));
  }
  return Status::Ok();
}

Result<std::string> TimeOr(TimeParser parse, const Value& v, const Value& fallback, const char* column) {
  if (v) return parse(*v, column);
  if (fallback) return parse(*fallback, column);
  return std::string(kUnknownTime);
}

Result<std::optional<std::string>> OptTime(TimeParser parse, const Value& v, const char* column) {
  if (!v) return std::optional<std::string>();
  PANIC_ASSIGN_OR_RETURN(std::string t, parse(*v, column));
  return std::optional<std::string>(std::move(t));
}

}  // namespace internal

using namespace internal;

namespace {

bool Digits(std::string_view s, size_t from, size_t n) {
  if (from + n > s.size()) return false;
  for (size_t i = from; i < from + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int Num(std::string_view s, size_t from, size_t n) {
  int v = 0;
  for (size_t i = from; i < from + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

// "YYYY-MM-DD?HH:MM:SS[.f…]" followed by `suffix` (empty or "Z"), `sep` being ' ' or 'T'.
Result<std::string> IsoTime(std::string_view t, const char* column, bool want_z) {
  if (t.size() > 40) return Bad(column, "timestamp " + Excerpt(t) + " is too long");
  std::string_view body = t;
  if (want_z) {
    if (body.empty() || body.back() != 'Z') return Bad(column, "timestamp " + Excerpt(t) + " lacks its 'Z'");
    body.remove_suffix(1);
  }
  const bool shape = body.size() >= 19 && Digits(body, 0, 4) && body[4] == '-' && Digits(body, 5, 2) &&
                     body[7] == '-' && Digits(body, 8, 2) && (body[10] == ' ' || body[10] == 'T') &&
                     Digits(body, 11, 2) && body[13] == ':' && Digits(body, 14, 2) && body[16] == ':' &&
                     Digits(body, 17, 2);
  if (!shape) return Bad(column, "timestamp " + Excerpt(t) + " is not YYYY-MM-DD HH:MM:SS[.ffffff]");
  const int month = Num(body, 5, 2), day = Num(body, 8, 2), hour = Num(body, 11, 2), minute = Num(body, 14, 2),
            second = Num(body, 17, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return Bad(column, "timestamp " + Excerpt(t) + " has a field out of range");
  }
  std::string fraction;
  if (body.size() > 19) {
    const size_t digits = body.size() - 20;
    if (body[19] != '.' || digits < 1 || digits > 9 || !Digits(body, 20, digits)) {
      return Bad(column, "timestamp " + Excerpt(t) + " has a malformed fraction of a second");
    }
    fraction = std::string(body.substr(20, std::min<size_t>(digits, 6)));
  }
  fraction.resize(6, '0');
  std::string out(body.substr(0, 19));
  out[10] = 'T';
  return out + "." + fraction + "Z";
}

}  // namespace

Result<std::string> CanonicalId(const Value& v, const char* column) {
  if (!v) return Bad(column, "is NULL");
  const std::string& s = *v;
  std::string hyphenated;
  if (s.size() == 32) {
    hyphenated = s.substr(0, 8) + "-" + s.substr(8, 4) + "-" + s.substr(12, 4) + "-" + s.substr(16, 4) + "-" +
                 s.substr(20, 12);
  } else if (s.size() == 36) {
    hyphenated = s;
  } else {
    return Bad(column, "id " + Excerpt(s) + " is neither 32 hex digits nor a hyphenated UUID");
  }
  auto parsed = ParseUuid(hyphenated);
  if (!parsed.ok()) return Bad(column, "id " + Excerpt(s) + " is not a UUID");
  return FormatUuid(*parsed);
}

Result<std::string> PythonTime(std::string_view text, const char* column) { return IsoTime(text, column, false); }
Result<std::string> ElixirTime(std::string_view text, const char* column) { return IsoTime(text, column, true); }

Result<OutputType> OutputTypeOf(const Value& v, const char* column) {
  if (v && (*v == "TEXT" || *v == "text")) return OutputType::kText;
  if (v && (*v == "IMAGE" || *v == "image")) return OutputType::kImage;
  return Bad(column, v ? "type " + Excerpt(*v) + " is not TEXT or IMAGE" : std::string("is NULL"));
}

Result<int64_t> IntegerOf(const Value& v, const char* column) {
  if (!v) return Bad(column, "is NULL");
  const std::string& s = *v;
  size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  if (i == s.size() || s.size() > 19 + i) return Bad(column, "is not an integer: " + Excerpt(s));
  int64_t value = 0;
  for (size_t k = i; k < s.size(); ++k) {
    if (s[k] < '0' || s[k] > '9') return Bad(column, "is not an integer: " + Excerpt(s));
    const int64_t digit = s[k] - '0';
    if (value > (INT64_MAX - digit) / 10) return Bad(column, "integer out of range: " + Excerpt(s));
    value = value * 10 + digit;
  }
  return i ? -value : value;
}

Result<std::vector<std::vector<std::string>>> StringListsOf(const Value& v, const char* column) {
  PANIC_ASSIGN_OR_RETURN(nlohmann::json j, JsonOf(v, column));
  std::vector<std::vector<std::string>> out;
  for (const auto& inner : j) {
    if (!inner.is_array()) return Bad(column, "an element is not a list of strings");
    std::vector<std::string> names;
    for (const auto& s : inner) {
      if (!s.is_string()) return Bad(column, "an element is not a list of strings");
      names.push_back(s.get<std::string>());
    }
    out.push_back(std::move(names));
  }
  return out;
}

Result<std::vector<std::string>> StringsOf(const Value& v, const char* column) {
  PANIC_ASSIGN_OR_RETURN(nlohmann::json j, JsonOf(v, column));
  std::vector<std::string> out;
  for (const auto& s : j) {
    if (!s.is_string()) return Bad(column, "an element is not a string");
    out.push_back(s.get<std::string>());
  }
  return out;
}

Result<std::vector<int64_t>> IntegersOf(const Value& v, const char* column) {
  PANIC_ASSIGN_OR_RETURN(nlohmann::json j, JsonOf(v, column));
  std::vector<int64_t> out;
  for (const auto& s : j) {
    if (!s.is_number_integer()) return Bad(column, "an element is not an integer");
    out.push_back(s.get<int64_t>());
  }
  return out;
}

Result<std::string> VectorBytes(const Value& v) {
  if (!v) return Status::NotFound("NULL vector");
  if (v->empty() || v->size() % 4 != 0 || v->size() > kMaxVectorBytes) {
    return Bad("vector", std::to_string(v->size()) + " bytes is not a non-empty float32 vector within the cap");
  }
  return *v;
}

}  // namespace panic::store::legacy
