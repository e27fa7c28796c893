#include "panic/cli/tda_point_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <system_error>

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

// One number of a text line, [q, eol): std::from_chars (several times faster than
// strtof); a value out of float range falls back to strtof for its rounding (tiny → 0
// or subnormal, huge → inf, reported as not finite by the caller).
const char* ParseNumber(const char* q, const char* eol, float& v) {
  const char* start = q;
  if (q < eol && *q == '+') ++q;
  auto [end, ec] = std::from_chars(q, eol, v);
  if (ec == std::errc::result_out_of_range) {
    std::string token(start, end);
    v = std::strtof(token.c_str(), nullptr);
    return end;
  }
  if (ec != std::errc()) return start;
  return end;
}

// Parses text point clouds as they stream in, a block at a time, so the file's text is
// never held whole in memory (it can be hundreds of MB, several times the floats).
class TextParser {
 public:
  explicit TextParser(const std::string& path) : path_(path) {}

  // Parses the complete line [p, eol).
  Status Line(const char* p, const char* eol) {
    ++line_no_;
    const char* q = p;
    while (q < eol && IsSeparator(*q)) ++q;
    if (q == eol || *q == '#') return Status::Ok();  // blank line or comment
    size_t count = 0;
    while (q < eol) {
      float v = 0;
      const char* end = ParseNumber(q, eol, v);
      if (end == q || (end < eol && !IsSeparator(*end))) {
        const char* t = q;
        while (t < eol && !IsSeparator(*t)) ++t;
        return Status::InvalidArgument(path_ + ": line " + std::to_string(line_no_) + ": '" +
                                       std::string(q, static_cast<size_t>(t - q)) + "' is not a number");
      }
      if (!std::isfinite(v)) {
        return Status::InvalidArgument(path_ + ": line " + std::to_string(line_no_) + ": " +
                                       std::string(q, static_cast<size_t>(end - q)) + " is not a finite number");
      }
      f_.values.push_back(v);
      ++count;
      q = end;
      while (q < eol && IsSeparator(*q)) ++q;
    }
    if (f_.n == 0) {
      f_.dim = count;
      // Reserve for the whole file from the first line's length (rows of one file have
      // much the same length), with some slack, so the vector does not double.
      size_t rows = file_size_ / static_cast<size_t>(eol - p + 1) + 1;
      f_.values.reserve((rows + rows / 16 + 1) * count);
    } else if (count != f_.dim) {
      return Status::InvalidArgument(path_ + ": line " + std::to_string(line_no_) + " has " +
                                     std::to_string(count) + " values, earlier lines have " +
                                     std::to_string(f_.dim) + " (ragged rows)");
    }
    ++f_.n;
    return Status::Ok();
  }
  void set_file_size(size_t size) { file_size_ = size; }
  PointFile& result() { return f_; }

 private:
  const std::string& path_;
  PointFile f_;
  size_t line_no_ = 0;
  size_t file_size_ = 0;
};

// `head` holds the file's first bytes (already read).
Result<PointFile> FromTextStream(const std::string& path, std::FILE* file, std::string head) {
  TextParser parser(path);
  if (std::fseek(file, 0, SEEK_END) == 0) {
    long size = std::ftell(file);
    if (size > 0) parser.set_file_size(static_cast<size_t>(size));
    std::fseek(file, static_cast<long>(head.size()), SEEK_SET);
  }
  std::vector<char> buf(std::max<size_t>(size_t{1} << 20, head.size()));
  std::copy(head.begin(), head.end(), buf.begin());
  size_t filled = head.size();
  bool eof = false;
  while (!eof || filled > 0) {
    if (!eof && filled < buf.size()) {
      size_t got = std::fread(buf.data() + filled, 1, buf.size() - filled, file);
      filled += got;
      if (got == 0) eof = true;
      if (!eof) continue;  // fill the buffer before parsing
    }
    const char* p = buf.data();
    const char* const end = p + filled;
    while (p < end) {
      const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      if (!eol) {
        if (!eof) break;  // an incomplete line: wait for more text
        eol = end;
      }
      PANIC_RETURN_IF_ERROR(parser.Line(p, eol));
      p = eol < end ? eol + 1 : end;
    }
    size_t used = static_cast<size_t>(p - buf.data());
    if (used == 0 && !eof) {
      buf.resize(buf.size() * 2);  // a line longer than the buffer
      continue;
    }
    std::memmove(buf.data(), p, filled - used);
    filled -= used;
    if (eof && filled == 0) break;
  }
  if (std::ferror(file)) return Status::InvalidArgument(path + ": read error");
  if (parser.result().n == 0) return Status::InvalidArgument(path + ": no points in the file");
  return std::move(parser.result());
}

}  // namespace

Result<PointFile> ReadPointFile(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return Status::NotFound(path + ": cannot open the file");
  std::string head(store::kNpyMagic.size(), '\0');
  head.resize(std::fread(head.data(), 1, head.size(), file.get()));
  if (head.size() == store::kNpyMagic.size() && head == store::kNpyMagic) {
    std::string bytes = head;
    char chunk[1 << 16];
    for (size_t got; (got = std::fread(chunk, 1, sizeof chunk, file.get())) > 0;) bytes.append(chunk, got);
    return FromNpy(path, bytes);
  }
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0) {
    return Status::InvalidArgument(path + ": not an NPY file (bad magic)");
  }
  return FromTextStream(path, file.get(), std::move(head));
}

}  // namespace panic::cli
