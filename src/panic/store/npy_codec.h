// The NPY format (numpy's single-array file, format versions 1.0–3.0) for the arrays
// panic-tda exchanges with numpy: float32, float64 and int64, little-endian, C order.
//
// Byte layout (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
//   "\x93NUMPY"  major (1 byte)  minor (1 byte)
//   header length: uint16 LE (version 1) or uint32 LE (versions 2, 3)
//   header: an ASCII Python dict {'descr': '<f4', 'fortran_order': False, 'shape': (n, 2), }
//           padded with spaces and ended by '\n' so that the data starts at a multiple of 64
//   data: the elements, C order, little-endian
// We write version 1.0; we read 1.0, 2.0 and 3.0.
//
// Decoding limits (docs/DECODERS.md): a header of at most kMaxNpyHeaderBytes, at most
// kMaxNpyDimensions dimensions, an element count whose product (and byte size) does not
// overflow, and exactly as many data bytes as the shape and dtype need — no more, no less.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"

namespace panic::store {

enum class NpyDtype { kFloat32, kFloat64, kInt64 };

inline constexpr std::string_view kNpyMagic = "\x93NUMPY";
inline constexpr size_t kNpyAlignment = 64;  // the data offset is a multiple of this
inline constexpr size_t kMaxNpyHeaderBytes = size_t{1} << 20;  // version 1 allows 65535 anyway
inline constexpr size_t kMaxNpyDimensions = 64;                // numpy 2's NPY_MAXDIMS

struct NpyArray {
  NpyDtype dtype = NpyDtype::kFloat32;
  std::vector<size_t> shape;  // empty for a 0-d (scalar) array
  std::string data;           // element bytes, C order, little-endian

  // The product of the shape. REQUIRES: it does not overflow (true of every decoded
  // array, and of every array whose data holds its elements).
  size_t num_elements() const;
};

std::string EncodeNpy(const NpyArray& array);
// Errors: InvalidArgument naming the problem (bad magic, truncated header, a header or
// shape beyond the limits above, a dtype other than <f4/<f8/<i8 (big-endian included),
// Fortran order, a malformed shape, a shape whose size overflows, data bytes that are
// fewer or more than the shape needs).
Result<NpyArray> DecodeNpy(std::string_view bytes);

// Builders and readers for the common cases.
NpyArray MakeNpyFloat32(const std::vector<float>& values, std::vector<size_t> shape);
NpyArray MakeNpyInt64(const std::vector<int64_t>& values, std::vector<size_t> shape);
// The elements as float (float64 is rounded; int64 converted). REQUIRES nothing.
std::vector<float> NpyToFloats(const NpyArray& array);
std::vector<int64_t> NpyToInt64s(const NpyArray& array);  // floats truncated, NaN → 0, saturating

}  // namespace panic::store
