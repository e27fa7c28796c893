// Reading a point cloud for `tda ph`: a 2-D .npy array (float32 or float64, C order) or
// a text/CSV file with one point per line (separators: commas and/or whitespace; blank
// lines and lines starting with '#' skipped); and reading any input file whole under a
// size cap (`tda distance`'s diagrams).
//
// Limits (docs/DECODERS.md): at most kMaxPointRows points of at most kMaxPointColumns
// coordinates, kMaxPointValues values in all; a text line of at most kMaxPointLineBytes;
// every value finite (as float32).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"

namespace panic::cli {

inline constexpr size_t kMaxPointRows = size_t{1} << 20;
inline constexpr size_t kMaxPointColumns = size_t{1} << 16;
inline constexpr size_t kMaxPointValues = size_t{1} << 28;  // 1 GiB of float32
inline constexpr size_t kMaxPointLineBytes = size_t{16} << 20;
// An .npy point file: its values as float64 plus a header.
inline constexpr uint64_t kMaxPointNpyBytes = uint64_t{kMaxPointValues} * 8 + (uint64_t{1} << 20);

struct PointFile {
  size_t n = 0;
  size_t dim = 0;
  std::vector<float> values;  // row-major n × dim
};

// Errors: NotFound for a missing file; InvalidArgument naming the problem for a path that
// is a directory or not a regular file (a FIFO would block), a 1-D or 3-D array, an
// integer dtype, ragged rows (with the line number), an unparsable or non-finite number
// (with line and column), sizes beyond the limits above, or an empty file.
Result<PointFile> ReadPointFile(const std::string& path);

// The same decoding from bytes in memory (`name` prefixes messages): NPY when the bytes
// start with NPY's magic, else text.
Result<PointFile> DecodePointBytes(std::string_view bytes, const std::string& name);

// The whole content of the regular file at `path`. NotFound when it does not exist;
// InvalidArgument when it is a directory, not a regular file, or larger than max_bytes
// (the message says the limit); IOError when reading fails.
Result<std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes);

}  // namespace panic::cli
