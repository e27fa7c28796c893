#include "panic/cli/tda_point_reader.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

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

bool IsSeparator(char c) { return c == ' ' || c == ',' || c == ';' || c == '\t' || c == '\r'; }

// Parses in place, line by line, without copying the text (it can be hundreds of MB).
Result<PointFile> FromText(const std::string& path, const std::string& text) {
  PointFile f;
  const char* p = text.c_str();  // NUL-terminated, so strtof cannot run past the end
  const char* const end_of_text = p + text.size();
  size_t line_no = 0;
  while (p < end_of_text) {
    ++line_no;
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end_of_text - p)));
    if (!eol) eol = end_of_text;
    const char* q = p;
    while (q < eol && IsSeparator(*q)) ++q;
    if (q == eol || *q == '#') {  // blank line or comment
      p = eol + 1;
      continue;
    }
    size_t count = 0;
    while (q < eol) {
      char* end = nullptr;
      float v = std::strtof(q, &end);
      if (end == q || end > eol || (end < eol && !IsSeparator(*end))) {
        const char* t = q;
        while (t < eol && !IsSeparator(*t)) ++t;
        return Status::InvalidArgument(path + ": line " + std::to_string(line_no) + ": '" +
                                       std::string(q, static_cast<size_t>(t - q)) + "' is not a number");
      }
      if (!std::isfinite(v)) {
        return Status::InvalidArgument(path + ": line " + std::to_string(line_no) + ": " +
                                       std::string(q, static_cast<size_t>(end - q)) + " is not a finite number");
      }
      f.values.push_back(v);
      ++count;
      q = end;
      while (q < eol && IsSeparator(*q)) ++q;
    }
    if (f.n == 0) {
      f.dim = count;
    } else if (count != f.dim) {
      return Status::InvalidArgument(path + ": line " + std::to_string(line_no) + " has " +
                                     std::to_string(count) + " values, earlier lines have " +
                                     std::to_string(f.dim) + " (ragged rows)");
    }
    ++f.n;
    p = eol + 1;
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
