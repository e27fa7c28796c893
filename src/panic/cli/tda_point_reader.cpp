#include "panic/cli/tda_point_reader.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "panic/store/npy_codec.h"

namespace panic::cli {
namespace {

Result<PointFile> FromNpy(const std::string& path, const std::string& bytes) {
  auto array = store::DecodeNpy(bytes);
  if (!array.ok()) return Status::InvalidArgument(path + ": " + array.status().message());
  if (array->dtype == store::NpyDtype::kInt64) {
    return Status::InvalidArgument(path + ": dtype int64 is not supported; points must be float32 or float64");
  }
  if (array->shape.size() != 2) {
    return Status::InvalidArgument(path + ": array is " + std::to_string(array->shape.size()) +
                                   "-D; expected a 2-D array (points × coordinates)");
  }
  PointFile f{array->shape[0], array->shape[1], store::NpyToFloats(*array)};
  for (size_t i = 0; i < f.values.size(); ++i) {
    if (!std::isfinite(f.values[i])) {
      return Status::InvalidArgument(path + ": point " + std::to_string(i / f.dim) + ", coordinate " +
                                     std::to_string(i % f.dim) + " is not finite");
    }
  }
  return f;
}

Result<PointFile> FromText(const std::string& path, const std::string& text) {
  PointFile f;
  std::istringstream in(text);
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    for (char& c : line) {
      if (c == ',' || c == ';' || c == '\t' || c == '\r') c = ' ';
    }
    size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos || line[first] == '#') continue;
    size_t count = 0;
    const char* p = line.c_str();
    while (true) {
      while (*p == ' ') ++p;
      if (*p == '\0') break;
      char* end = nullptr;
      float v = std::strtof(p, &end);
      if (end == p || (*end != ' ' && *end != '\0')) {
        std::string token(p, std::strcspn(p, " "));
        return Status::InvalidArgument(path + ": line " + std::to_string(line_no) + ": '" + token +
                                       "' is not a number");
      }
      if (!std::isfinite(v)) {
        return Status::InvalidArgument(path + ": line " + std::to_string(line_no) + ": " +
                                       std::string(p, static_cast<size_t>(end - p)) + " is not a finite number");
      }
      f.values.push_back(v);
      ++count;
      p = end;
    }
    if (f.n == 0) {
      f.dim = count;
    } else if (count != f.dim) {
      return Status::InvalidArgument(path + ": line " + std::to_string(line_no) + " has " +
                                     std::to_string(count) + " values, earlier lines have " +
                                     std::to_string(f.dim) + " (ragged rows)");
    }
    ++f.n;
  }
  if (f.n == 0) return Status::InvalidArgument(path + ": no points in the file");
  return f;
}

}  // namespace

Result<PointFile> ReadPointFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open the file");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.compare(0, store::kNpyMagic.size(), store::kNpyMagic) == 0) return FromNpy(path, bytes);
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0) {
    return Status::InvalidArgument(path + ": not an NPY file (bad magic)");
  }
  return FromText(path, bytes);
}

}  // namespace panic::cli
