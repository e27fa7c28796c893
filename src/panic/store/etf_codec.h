// Erlang's External Term Format (ETF), the subset the Elixir-era panic-tda wrote with
// `:erlang.term_to_binary(map, [:compressed])` (shared/LEGACY-FORMATS.md), and the two
// terms it stored: persistence diagrams and Lyapunov results.
//
// Format: byte 131, then the term, or tag 80 ('P'), a 4-byte big-endian uncompressed size
// and a zlib stream of the term. Tags read (everything else is refused, naming the tag):
//   70  NEW_FLOAT_EXT        8-byte big-endian IEEE double
//   97  SMALL_INTEGER_EXT    1 unsigned byte
//   98  INTEGER_EXT          4-byte big-endian signed
//   100 ATOM_EXT             2-byte length + Latin-1 bytes
//   118 ATOM_UTF8_EXT        2-byte length + UTF-8 bytes
//   119 SMALL_ATOM_UTF8_EXT  1-byte length + UTF-8 bytes
//   106 NIL_EXT              []
//   107 STRING_EXT           2-byte length + bytes: a list of small integers
//   108 LIST_EXT             4-byte count, the elements, a tail (NIL_EXT for a proper list)
//   116 MAP_EXT              4-byte arity, then key, value pairs
// Limits (docs/DECODERS.md): the term inflates to at most kMaxEtfBytes (and at most
// kMaxEtfInflateRatio × the blob) and to at most kMaxEtfTerms terms, nesting is at most
// kMaxEtfDepth, a list or map declares at most as many elements as bytes remain (each
// takes ≥ 1 byte) and at most kMaxEtfTerms; room is reserved for at most 4096 elements per
// list or map, more only as elements actually decode, so memory follows the terms read,
// not the counts declared.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"
#include "panic/tda/diagram.h"

namespace panic::store {

inline constexpr uint64_t kMaxEtfBytes = uint64_t{64} << 20;   // 64 MiB inflated
// Terms decoded from one blob (each costs ~100 bytes of memory: 2 M ≈ 200 MB at most); a
// real diagram of a 10 000-step run has ~30 000.
inline constexpr uint64_t kMaxEtfTerms = uint64_t{2} << 20;
inline constexpr uint64_t kMaxEtfInflateRatio = 1100;         // zlib's ceiling is ~1032:1
inline constexpr int kMaxEtfDepth = 64;

struct EtfMapEntry;

struct EtfTerm {
  enum class Kind { kInteger, kFloat, kAtom, kList, kMap };
  Kind kind = Kind::kInteger;
  int64_t integer = 0;
  double real = 0;
  std::string atom;                                        // kAtom (UTF-8)
  std::vector<EtfTerm> items;                              // kList (proper lists only)
  std::vector<EtfMapEntry> entries;                        // kMap, in encoded order

  // The value of the map entry whose key is the atom `key`, or null.
  const EtfTerm* Get(std::string_view key) const;
  // A number: an integer, a float, or the atoms inf/infinity (+∞), neg_inf (−∞), nan.
  std::optional<double> Number() const;
};

// A named struct, not std::pair<EtfTerm, EtfTerm>: a pair of a still-incomplete type cannot
// be a member (clang with libstdc++ rejects it; a vector of an incomplete struct is fine).
struct EtfMapEntry {
  EtfTerm key;
  EtfTerm value;
};

// Corruption for anything malformed, truncated, beyond the limits, a tag outside the subset
// (naming it), or bytes left over after the term.
Result<EtfTerm> DecodeEtf(std::string_view bytes);

struct ElixirDiagram {
  tda::Diagram diagram;
  std::vector<float> entropy;
};
// %{dgms: [[[birth, death], …] per dimension], entropy: [..], num_edges: _}.
Result<ElixirDiagram> DecodeElixirDiagram(std::string_view bytes);

struct ElixirLyapunov {
  double exponent = 0;
  std::optional<double> r_squared;  // nil → absent
  std::vector<double> divergence_curve;
  int64_t num_pairs = 0;
  int64_t num_timesteps = 0;
};
Result<ElixirLyapunov> DecodeElixirLyapunov(std::string_view bytes);

}  // namespace panic::store
