// Reading a point cloud for `tda ph`: a 2-D .npy array (float32 or float64, C order) or
// a text/CSV file with one point per line (separators: commas and/or whitespace; blank
// lines and lines starting with '#' skipped).
#pragma once

#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic::cli {

struct PointFile {
  size_t n = 0;
  size_t dim = 0;
  std::vector<float> values;  // row-major n × dim
};

// Errors: NotFound for a missing file; InvalidArgument naming the problem for a 1-D or
// 3-D array, an integer dtype, ragged rows (with the line number), an unparsable or
// non-finite number, or an empty file.
Result<PointFile> ReadPointFile(const std::string& path);

}  // namespace panic::cli
