// Persistence diagrams as NPZ archives (DESIGN.md §5): a zip of .npy members that
// `numpy.load(io.BytesIO(blob))` opens, with the Python reference's keys:
//   dgms_0.npy … dgms_{k-1}.npy  float32 (n_d, 2): (birth, death), death = +inf if essential
//   dgms_count.npy               int64 (1,): k
//   entropy.npy                  float32 (k,): persistent entropy per dimension
// We write an uncompressed zip (every member "stored", no data descriptors, no zip64).
// We read stored and deflate members (numpy.savez_compressed, the reference's writer),
// zip64 records, float64 diagrams, and ignore other keys (legacy gens_*, …).
//
// Zip layout written, per member: local header (30 bytes + name) + data; then one
// central-directory record per member (46 bytes + name); then the end record (22 bytes).
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/npy_codec.h"
#include "panic/tda/diagram.h"

namespace panic::store {

// A generic NPZ: member name without ".npy" → array. Members are written in key order.
using NpzArchive = std::map<std::string, NpyArray>;

std::string EncodeNpz(const NpzArchive& archive);
// Errors: Corruption for a damaged zip (no end record, bad offsets, CRC mismatch,
// undecodable deflate stream), InvalidArgument for an unsupported compression method
// or a member that is not a valid .npy.
Result<NpzArchive> DecodeNpz(std::string_view bytes);

struct DiagramWithEntropy {
  tda::Diagram diagram;
  std::vector<float> entropy;  // one value per dimension
};

// REQUIRES: entropy is empty or has one value per dimension of the diagram (missing
// values are written as 0).
std::string EncodeDiagramNpz(const tda::Diagram& diagram, const std::vector<float>& entropy);
// The diagram (dgms_count dimensions, or as many consecutive dgms_i as exist when the
// count is absent) and entropy (empty if absent). Errors: Corruption naming the key for
// a missing dgms_i, a shape other than (n, 2), or an archive error.
Result<DiagramWithEntropy> DecodeDiagramNpz(std::string_view bytes);

}  // namespace panic::store
