#include "panic/cli/tda_point_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <system_error>

#include <sys/stat.h>

#include <cerrno>

#include "panic/store/npy_codec.h"

namespace panic::cli {
namespace {

Result<PointFile> FromNpy(const std::string& path, std::string_view bytes) {
  auto array = store::DecodeNpy(bytes);
  if (!array.ok()) return Status::InvalidArgument(path + ": " + array.status().message());
  if (array->dtype == store::NpyDtype::kInt64) {
    return Status::InvalidArgument(path + ": dtype int64 is not supported; points must be float32 or float64");
  }
  if (array->shape.size() != 2) {
    return Status::InvalidArgument(path + ": array is " + std::to_string(array->shape.size()) +
                                   "-D; expected a 2-D array (points × coordinates)");
  }
  if (array->shape[0] > kMaxPointRows || array->shape[1] > kMaxPointColumns) {
    return Status::InvalidArgument(path + ": shape (" + std::to_string(array->shape[0]) + ", " +
                                   std::to_string(array->shape[1]) + "): at most " + std::to_string(kMaxPointRows) +
                                   " points of at most " + std::to_string(kMaxPointColumns) + " coordinates allowed");
  }
  if (array->num_elements() > kMaxPointValues) {
    return Status::InvalidArgument(path + ": " + std::to_string(array->num_elements()) + " values, at most " +
                                   std::to_string(kMaxPointValues) + " allowed");
  }
  if (array->num_elements() == 0) return Status::InvalidArgument(path + ": no points in the file");
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
        return Status::InvalidArgument(Where(p, q) + "'" + Shown(q, t) + "' is not a number");
      }
      if (!std::isfinite(v)) {
        return Status::InvalidArgument(Where(p, q) + Shown(q, end) + " is not a finite number");
      }
      if (count == kMaxPointColumns) {
        return Status::InvalidArgument(Where(p, q) + "more than " + std::to_string(kMaxPointColumns) +
                                       " values on one line (the limit)");
      }
      f_.values.push_back(v);
      ++count;
      q = end;
      while (q < eol && IsSeparator(*q)) ++q;
    }
    if (f_.n == kMaxPointRows) {
      return Status::InvalidArgument(path_ + ": line " + std::to_string(line_no_) + ": more than " +
                                     std::to_string(kMaxPointRows) + " points (the limit)");
    }
    if (f_.n == 0) {
      f_.dim = count;
      // Reserve for the whole file from the first line's length (rows of one file have
      // much the same length), with some slack, so the vector does not double; never
      // beyond the limits, whatever the file's size.
      size_t rows = std::min(file_size_ / static_cast<size_t>(eol - p + 1) + 1, kMaxPointRows);
      f_.values.reserve(std::min((rows + rows / 16 + 1) * count, kMaxPointValues));
    } else if (count != f_.dim) {
      return Status::InvalidArgument(path_ + ": line " + std::to_string(line_no_) + " has " +
                                     std::to_string(count) + " values, earlier lines have " +
                                     std::to_string(f_.dim) + " (ragged rows)");
    }
    if (f_.values.size() > kMaxPointValues) {
      return Status::InvalidArgument(path_ + ": line " + std::to_string(line_no_) + ": more than " +
                                     std::to_string(kMaxPointValues) + " values in all (the limit)");
    }
    ++f_.n;
    return Status::Ok();
  }
  void set_file_size(size_t size) { file_size_ = size; }
  size_t line_no() const { return line_no_; }
  PointFile& result() { return f_; }

 private:
  // "path: line L, column C: " for the value at q of the line that starts at p (1-based,
  // in bytes).
  std::string Where(const char* p, const char* q) const {
    return path_ + ": line " + std::to_string(line_no_) + ", column " + std::to_string(q - p + 1) + ": ";
  }
  static std::string Shown(const char* a, const char* b) {
    std::string out;
    for (const char* c = a; c < b && out.size() < 40; ++c) out += (*c >= 32 && *c < 127) ? *c : '?';
    if (b - a > 40) out += "...";
    return out;
  }

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
      if (buf.size() >= kMaxPointLineBytes) {
        return Status::InvalidArgument(path + ": line " + std::to_string(parser.line_no() + 1) +
                                       " is longer than " + std::to_string(kMaxPointLineBytes) + " bytes (the limit)");
      }
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

// Text from memory: the same parser, line by line.
Result<PointFile> FromText(const std::string& path, std::string_view bytes) {
  TextParser parser(path);
  parser.set_file_size(bytes.size());
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  while (p < end) {
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!eol) eol = end;
    if (static_cast<size_t>(eol - p) > kMaxPointLineBytes) {
      return Status::InvalidArgument(path + ": line " + std::to_string(parser.line_no() + 1) + " is longer than " +
                                     std::to_string(kMaxPointLineBytes) + " bytes (the limit)");
    }
    PANIC_RETURN_IF_ERROR(parser.Line(p, eol));
    p = eol < end ? eol + 1 : end;
  }
  if (parser.result().n == 0) return Status::InvalidArgument(path + ": no points in the file");
  return std::move(parser.result());
}

// What kind of file `path` is, as an error when it is not a regular file.
Status CheckRegularFile(const std::string& path, uint64_t* size) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::NotFound(path + ": cannot open the file (no such file)");
    return Status::InvalidArgument(path + ": cannot open the file (" + std::strerror(errno) + ")");
  }
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory, not a file");
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket"
                       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "not a regular file";
    return Status::InvalidArgument(path + ": is " + std::string(kind) + ", not a regular file");
  }
  *size = static_cast<uint64_t>(st.st_size);
  return Status::Ok();
}

}  // namespace

Result<PointFile> DecodePointBytes(std::string_view bytes, const std::string& name) {
  if (bytes.substr(0, store::kNpyMagic.size()) == store::kNpyMagic) return FromNpy(name, bytes);
  return FromText(name, bytes);
}

Result<std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes) {
  uint64_t size = 0;
  PANIC_RETURN_IF_ERROR(CheckRegularFile(path, &size));
  if (size > max_bytes) {
    return Status::InvalidArgument(path + ": " + std::to_string(size) + " bytes, at most " + std::to_string(max_bytes) +
                                   " allowed");
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return Status::NotFound(path + ": cannot open the file (" + std::strerror(errno) + ")");
  std::string bytes;
  bytes.reserve(static_cast<size_t>(size));
  char chunk[1 << 16];
  for (size_t got; (got = std::fread(chunk, 1, sizeof chunk, file.get())) > 0;) {
    if (got > max_bytes - bytes.size()) {  // the file grew while we read it
      return Status::InvalidArgument(path + ": more than " + std::to_string(max_bytes) + " bytes");
    }
    bytes.append(chunk, got);
  }
  if (std::ferror(file.get())) return Status::IOError(path + ": read error");
  return bytes;
}

Result<PointFile> ReadPointFile(const std::string& path) {
  uint64_t size = 0;
  PANIC_RETURN_IF_ERROR(CheckRegularFile(path, &size));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return Status::NotFound(path + ": cannot open the file (" + std::strerror(errno) + ")");
  std::string head(store::kNpyMagic.size(), '\0');
  head.resize(std::fread(head.data(), 1, head.size(), file.get()));
  if (head.size() == store::kNpyMagic.size() && head == store::kNpyMagic) {
    file.reset();
    PANIC_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path, kMaxPointNpyBytes));
    return FromNpy(path, bytes);
  }
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0) {
    return Status::InvalidArgument(path + ": not an NPY file (bad magic)");
  }
  return FromTextStream(path, file.get(), std::move(head));
}

}  // namespace panic::cli
