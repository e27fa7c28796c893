// What the legacy row mappings share (legacy_mapping.cpp defines them; the Python and the
// Elixir rows, legacy_mapping_python.cpp and legacy_mapping_elixir.cpp, use them).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "panic/store/legacy_mapping.h"

namespace panic::store::legacy::internal {

// Nesting beyond this is never one of the config lists (at most a list of lists).
inline constexpr size_t kMaxJsonDepth = 4;
// The timestamp of a row whose source had none (the column was NULL): the epoch, which no
// real run has, so it reads as "unknown".
inline constexpr const char* kUnknownTime = "1970-01-01T00:00:00.000000Z";

// InvalidArgument "column C: why".
Status Bad(const char* column, const std::string& why);
// The first 40 bytes of `s`, quoted, control and non-ASCII bytes as '?'.
std::string Excerpt(std::string_view s);
// The column's text: Bad when NULL or longer than `cap`.
Result<std::string> TextOf(const Value& v, const char* column, size_t cap);
// The column as a JSON list (kMaxJsonBytes, nesting at most 4).
Result<nlohmann::json> JsonOf(const Value& v, const char* column);
// An era's timestamp parser (PythonTime, ElixirTime).
using TimeParser = Result<std::string> (*)(std::string_view text, const char* column);
// A timestamp column that may be NULL: the fallback's value then, else kUnknownTime.
Result<std::string> TimeOr(TimeParser parse, const Value& v, const Value& fallback, const char* column);
// A timestamp column that may be NULL (nullopt then).
Result<std::optional<std::string>> OptTime(TimeParser parse, const Value& v, const char* column);
// Internal when the row does not have n values (the source's query and the mapping disagree).
Status Columns(const SourceRow& row, size_t n);

}  // namespace panic::store::legacy::internal
