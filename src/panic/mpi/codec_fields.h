// The shared pieces of the MPI message codec (work_codec.h), internal to mpi/: building a
// frame (blobs by index, optional fields as null) and reading one back with every access
// checked. A failed check throws Malformed, which DecodeMessage turns into Corruption (as
// it does nlohmann's own exceptions); nothing here trusts a count beyond the bytes received.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "panic/models/python/frame_codec.h"
#include "panic/store/vector_codec.h"

namespace panic::mpi::codec {

using nlohmann::json;
using models::python::Frame;

// ---- encoding --------------------------------------------------------------------

inline json Opt(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
inline json Opt(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }
inline json Opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// Appends a blob and returns its index.
inline size_t Add(Frame& f, std::string bytes) {
  f.blobs.push_back(std::move(bytes));
  return f.blobs.size() - 1;
}

// n × dim float32 little-endian, row after row. REQUIRES: every row has `dim` values.
inline std::string PackRows(const std::vector<std::vector<float>>& rows, size_t dim) {
  std::vector<float> flat;
  flat.reserve(rows.size() * dim);
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return store::EncodeVector(flat);
}

// ---- decoding: every access checked ----------------------------------------------

// Thrown inside the decoders and turned into Corruption by DecodeMessage.
struct Malformed {
  std::string what;
};

inline const json& At(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) throw Malformed{std::string("missing field '") + key + "'"};
  return j[key];
}
inline const json& El(const json& j, size_t i) {
  if (!j.is_array() || i >= j.size()) throw Malformed{"a list is too short (wants element " + std::to_string(i) + ")"};
  return j[i];
}
inline const json& List(const json& j, size_t n = 0) {
  if (!j.is_array() || j.size() < n) throw Malformed{"expected a list of at least " + std::to_string(n) + " elements"};
  return j;
}
inline std::string Str(const json& j) {
  if (!j.is_string()) throw Malformed{"expected a string, got " + std::string(j.type_name())};
  return j.get<std::string>();
}
inline int64_t Int(const json& j) {
  if (!j.is_number_integer()) throw Malformed{"expected an integer, got " + std::string(j.type_name())};
  return j.get<int64_t>();
}
inline uint64_t Unsigned(const json& j) {
  if (!j.is_number_unsigned()) throw Malformed{"expected a non-negative integer, got " + std::string(j.type_name())};
  return j.get<uint64_t>();
}
inline double Num(const json& j) {
  if (!j.is_number()) throw Malformed{"expected a number, got " + std::string(j.type_name())};
  return j.get<double>();
}
inline bool Bool(const json& j) {
  if (!j.is_boolean()) throw Malformed{"expected true or false"};
  return j.get<bool>();
}
inline std::optional<std::string> OptStr(const json& j) { return j.is_null() ? std::nullopt : std::optional(Str(j)); }
inline std::optional<int64_t> OptInt(const json& j) { return j.is_null() ? std::nullopt : std::optional(Int(j)); }
inline std::optional<double> OptNum(const json& j) { return j.is_null() ? std::nullopt : std::optional(Num(j)); }
inline int SmallInt(const json& j, int lo, int hi, const char* what) {
  const int64_t v = Int(j);
  if (v < lo || v > hi) throw Malformed{std::string(what) + " " + std::to_string(v) + " is out of range"};
  return static_cast<int>(v);
}
inline std::vector<std::string> Strings(const json& j) {
  std::vector<std::string> out;
  for (const auto& e : List(j)) out.push_back(Str(e));
  return out;
}

// Blob `j` (an index) of the frame, moved out; each blob may be taken once.
inline std::string TakeBlob(Frame& f, const json& j, std::vector<bool>& taken) {
  const uint64_t i = Unsigned(j);
  if (i >= f.blobs.size()) throw Malformed{"blob " + std::to_string(i) + " of " + std::to_string(f.blobs.size())};
  if (taken[i]) throw Malformed{"blob " + std::to_string(i) + " is used twice"};
  taken[i] = true;
  return std::move(f.blobs[i]);
}

inline std::vector<float> Floats(std::string_view bytes) {
  auto v = store::DecodeVector(bytes);
  if (!v.ok()) throw Malformed{v.status().message()};
  return std::move(*v);
}

}  // namespace panic::mpi::codec
