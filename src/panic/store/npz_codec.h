// Persistence diagrams as NPZ archives (DESIGN.md §5): a zip of .npy members that
// `numpy.load(io.BytesIO(blob))` opens, with the Python reference's keys:
//   dgms_0.npy … dgms_{k-1}.npy  float32 (n_d, 2): (birth, death), death = +inf if essential
//   dgms_count.npy               int64 (1,): k
//   entropy.npy                  float32 (k,): persistent entropy per dimension
//   approximation_epsilon.npy    float64 (1,): ε of a (1 + ε)-approximate diagram
//                                (docs/TDA.md); absent for an exact diagram
// We write an uncompressed zip (every member "stored", no data descriptors, no zip64).
// We read stored and deflate members (numpy.savez_compressed, the reference's writer),
// zip64 records, float64 diagrams, and ignore other keys (legacy gens_*, …).
// Reading goes through libzip (Debian's libzip-dev), which parses the zip structures;
// we stream each member out of it under the caps below (docs/DECODERS.md), so a header
// that claims 4 GB or a member that inflates 1000-fold costs nothing but an error.
//
// Zip layout written, per member: local header (30 bytes + name) + data; then one
// central-directory record per member (46 bytes + name); then the end record (22 bytes).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/npy_codec.h"
#include "panic/tda/diagram.h"

namespace panic::store {

// Decoding limits. A member (a .npy) inflates to at most kMaxNpzMemberBytes; all members
// together to at most kNpzInflateAllowance + kMaxNpzInflateRatio × the archive's size
// (deflate can reach ~1030:1; numpy's float arrays compress about 1.1–3:1); an archive
// has at most kMaxNpzEntries members. Members whose names do not end in .npy are skipped
// unread.
inline constexpr uint64_t kMaxNpzMemberBytes = uint64_t{1} << 30;   // 1 GiB
inline constexpr uint64_t kMaxNpzInflateRatio = 100;
inline constexpr uint64_t kNpzInflateAllowance = uint64_t{1} << 20;  // 1 MiB
inline constexpr uint64_t kMaxNpzEntries = 65535;

// A generic NPZ: member name without ".npy" → array. Members are written in key order.
using NpzArchive = std::map<std::string, NpyArray>;

std::string EncodeNpz(const NpzArchive& archive);
// Errors: Corruption for a damaged zip (no end record, bad offsets, CRC mismatch,
// undecodable deflate stream, sizes that disagree), a member or archive beyond the
// limits above, or a name that appears twice; InvalidArgument for an unsupported
// compression method, an encrypted member, or a member that is not a valid .npy.
// `wanted` (when set) names the keys to decode; other members are skipped unread.
Result<NpzArchive> DecodeNpz(std::string_view bytes, const std::function<bool(std::string_view key)>& wanted = {});

struct DiagramWithEntropy {
  tda::Diagram diagram;
  std::vector<float> entropy;  // one value per dimension
  std::optional<double> approximation_epsilon;  // absent: exact
};

// REQUIRES: entropy is empty or has one value per dimension of the diagram (missing
// values are written as 0). `approximation_epsilon`, when set, is written as the
// approximation_epsilon key (REQUIRES a finite value > 0).
std::string EncodeDiagramNpz(const tda::Diagram& diagram, const std::vector<float>& entropy,
                             std::optional<double> approximation_epsilon = std::nullopt);
// The diagram (dgms_count dimensions, or as many consecutive dgms_i as exist when the
// count is absent), entropy (empty if absent) and ε (absent: exact). Errors: Corruption
// naming the key for a missing dgms_i, a shape other than (n, 2), an
// approximation_epsilon that is not one finite float > 0, or an archive error.
Result<DiagramWithEntropy> DecodeDiagramNpz(std::string_view bytes);

}  // namespace panic::store
