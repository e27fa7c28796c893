#include "panic/store/npy_codec.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace panic::store {
namespace {

size_t ElementSize(NpyDtype d) { return d == NpyDtype::kFloat32 ? 4 : 8; }

const char* Descr(NpyDtype d) {
  switch (d) {
    case NpyDtype::kFloat32: return "<f4";
    case NpyDtype::kFloat64: return "<f8";
    case NpyDtype::kInt64: return "<i8";
  }
  return "<f4";
}

// The value of 'key': in the header dict, as raw text up to the next ',' or '}' at
// bracket depth 0 (the shape tuple contains commas).
bool HeaderValue(std::string_view header, std::string_view key, std::string& value) {
  std::string quoted1 = "'" + std::string(key) + "'", quoted2 = "\"" + std::string(key) + "\"";
  size_t pos = header.find(quoted1);
  if (pos == std::string_view::npos) pos = header.find(quoted2);
  if (pos == std::string_view::npos) return false;
  pos = header.find(':', pos);
  if (pos == std::string_view::npos) return false;
  ++pos;
  int depth = 0;
  size_t end = pos;
  for (; end < header.size(); ++end) {
    char c = header[end];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth == 0 && (c == ',' || c == '}')) break;
  }
  value = std::string(header.substr(pos, end - pos));
  size_t a = value.find_first_not_of(" \t"), b = value.find_last_not_of(" \t");
  value = a == std::string::npos ? "" : value.substr(a, b - a + 1);
  return true;
}

}  // namespace

size_t NpyArray::num_elements() const {
  size_t n = 1;
  for (size_t s : shape) n *= s;
  return n;
}

std::string EncodeNpy(const NpyArray& array) {
  std::string header = "{'descr': '" + std::string(Descr(array.dtype)) +
                       "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < array.shape.size(); ++i) {
    header += std::to_string(array.shape[i]);
    if (array.shape.size() == 1 || i + 1 < array.shape.size()) header += ",";
    if (i + 1 < array.shape.size()) header += " ";
  }
  header += "), }";
  // magic (6) + version (2) + length (2) + header + '\n' ≡ 0 mod 64
  size_t total = kNpyMagic.size() + 4 + header.size() + 1;
  header.append((kNpyAlignment - total % kNpyAlignment) % kNpyAlignment, ' ');
  header += '\n';
  std::string out(kNpyMagic);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out += array.data;
  return out;
}

namespace {

std::string Shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 80)) out += (c >= 32 && c < 127) ? c : '?';
  if (text.size() > 80) out += "...";
  return out;
}

// The shape tuple's text "(a, b, …)" — "()" for a scalar, "(a,)" for one dimension —
// parsed strictly: decimal integers separated by commas, an optional trailing comma.
Result<std::vector<size_t>> ParseShape(const std::string& text) {
  auto malformed = [&](const std::string& why) {
    return Status::InvalidArgument("npy: malformed shape " + Shown(text) + ": " + why);
  };
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return malformed("not a tuple");
  std::vector<size_t> shape;
  std::string_view inner(text.data() + 1, text.size() - 2);
  size_t pos = 0;
  while (pos < inner.size()) {
    size_t comma = inner.find(',', pos);
    std::string_view item = inner.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    size_t a = item.find_first_not_of(' '), b = item.find_last_not_of(' ');
    if (a == std::string_view::npos) {
      // Only "(n,)"'s trailing comma may be followed by nothing.
      if (comma != std::string_view::npos || shape.empty()) return malformed("an empty dimension");
      break;
    }
    item = item.substr(a, b - a + 1);
    if (item.find_first_not_of("0123456789") != std::string_view::npos) return malformed("a dimension is not a natural number");
    if (item.size() > 19) return malformed("a dimension above 10^19");  // 19 digits fit in 64 bits
    size_t v = 0;
    for (char c : item) v = v * 10 + static_cast<size_t>(c - '0');
    if (shape.size() == kMaxNpyDimensions) {
      return malformed("more than " + std::to_string(kMaxNpyDimensions) + " dimensions");
    }
    shape.push_back(v);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return shape;
}

}  // namespace

Result<NpyArray> DecodeNpy(std::string_view bytes) {
  if (bytes.size() < 10 || bytes.substr(0, kNpyMagic.size()) != kNpyMagic) {
    return Status::InvalidArgument("npy: not an NPY array (bad magic)");
  }
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  int major = u[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = u[8] | (static_cast<size_t>(u[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return Status::InvalidArgument("npy: truncated header");
    header_len = u[8] | (static_cast<size_t>(u[9]) << 8) | (static_cast<size_t>(u[10]) << 16) |
                 (static_cast<size_t>(u[11]) << 24);
    header_start = 12;
  } else {
    return Status::InvalidArgument("npy: unsupported format version " + std::to_string(major));
  }
  if (header_len > kMaxNpyHeaderBytes) {
    return Status::InvalidArgument("npy: header of " + std::to_string(header_len) + " bytes, at most " +
                                   std::to_string(kMaxNpyHeaderBytes) + " allowed");
  }
  // header_start ≤ 12 ≤ bytes.size() here, so the subtraction cannot wrap.
  if (header_len > bytes.size() - header_start) {
    return Status::InvalidArgument("npy: truncated header: " + std::to_string(bytes.size() - header_start) +
                                   " bytes for a header of " + std::to_string(header_len));
  }
  std::string_view header = bytes.substr(header_start, header_len);
  std::string descr, fortran, shape_text;
  if (!HeaderValue(header, "descr", descr) || !HeaderValue(header, "fortran_order", fortran) ||
      !HeaderValue(header, "shape", shape_text)) {
    return Status::InvalidArgument("npy: header lacks descr, fortran_order or shape");
  }
  NpyArray array;
  if (descr == "'<f4'" || descr == "'=f4'") {
    array.dtype = NpyDtype::kFloat32;
  } else if (descr == "'<f8'" || descr == "'=f8'") {
    array.dtype = NpyDtype::kFloat64;
  } else if (descr == "'<i8'" || descr == "'=i8'") {
    array.dtype = NpyDtype::kInt64;
  } else {
    return Status::InvalidArgument("npy: dtype " + Shown(descr) +
                                   " is not supported (float32, float64 or int64, little-endian)");
  }
  if (fortran == "True") {
    return Status::InvalidArgument("npy: array is in Fortran order, C order is required");
  }
  if (fortran != "False") {
    return Status::InvalidArgument("npy: fortran_order is " + Shown(fortran) + ", must be False or True");
  }
  PANIC_ASSIGN_OR_RETURN(array.shape, ParseShape(shape_text));
  // The element count and byte size, refusing a product that overflows: a shape such as
  // (2^32, 2^32) must not wrap to a small size that some data would then match.
  size_t elements = 1;
  bool has_zero = false;
  for (size_t s : array.shape) has_zero = has_zero || s == 0;
  if (has_zero) {
    elements = 0;
  } else {
    for (size_t s : array.shape) {
      if (__builtin_mul_overflow(elements, s, &elements)) {
        return Status::InvalidArgument("npy: shape " + Shown(shape_text) + " has more elements than memory can hold");
      }
    }
  }
  size_t need = 0;
  if (__builtin_mul_overflow(elements, ElementSize(array.dtype), &need)) {
    return Status::InvalidArgument("npy: shape " + Shown(shape_text) + " has more bytes than memory can hold");
  }
  size_t data_start = header_start + header_len;  // ≤ bytes.size(), checked above
  size_t have = bytes.size() - data_start;
  if (have != need) {
    return Status::InvalidArgument(std::string("npy: data ") + (have < need ? "truncated" : "has trailing bytes") +
                                   ": " + std::to_string(have) + " bytes for shape " + Shown(shape_text) + " of " +
                                   Descr(array.dtype) + ", which needs " + std::to_string(need));
  }
  array.data = std::string(bytes.substr(data_start, need));
  return array;
}

NpyArray MakeNpyFloat32(const std::vector<float>& values, std::vector<size_t> shape) {
  NpyArray a;
  a.dtype = NpyDtype::kFloat32;
  a.shape = std::move(shape);
  a.data.resize(values.size() * sizeof(float));
  if (!values.empty()) std::memcpy(a.data.data(), values.data(), a.data.size());  // host is LE
  return a;
}

NpyArray MakeNpyInt64(const std::vector<int64_t>& values, std::vector<size_t> shape) {
  NpyArray a;
  a.dtype = NpyDtype::kInt64;
  a.shape = std::move(shape);
  a.data.resize(values.size() * sizeof(int64_t));
  if (!values.empty()) std::memcpy(a.data.data(), values.data(), a.data.size());
  return a;
}

std::vector<float> NpyToFloats(const NpyArray& array) {
  size_t n = array.data.size() / ElementSize(array.dtype);
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {
    const char* p = array.data.data() + i * ElementSize(array.dtype);
    if (array.dtype == NpyDtype::kFloat32) {
      std::memcpy(&out[i], p, 4);
    } else if (array.dtype == NpyDtype::kFloat64) {
      double d;
      std::memcpy(&d, p, 8);
      out[i] = static_cast<float>(d);
    } else {
      int64_t v;
      std::memcpy(&v, p, 8);
      out[i] = static_cast<float>(v);
    }
  }
  return out;
}

std::vector<int64_t> NpyToInt64s(const NpyArray& array) {
  if (array.dtype == NpyDtype::kInt64) {
    std::vector<int64_t> out(array.data.size() / 8);
    if (!out.empty()) std::memcpy(out.data(), array.data.data(), array.data.size());
    return out;
  }
  // Float to int64 is undefined behaviour outside int64's range: NaN becomes 0, and
  // values beyond the range saturate (found by the npy fuzzer).
  std::vector<float> f = NpyToFloats(array);
  std::vector<int64_t> out(f.size());
  constexpr float kTwo63 = 9223372036854775808.0f;  // 2^63, exact in float
  for (size_t i = 0; i < f.size(); ++i) {
    if (std::isnan(f[i])) {
      out[i] = 0;
    } else if (f[i] >= kTwo63) {
      out[i] = std::numeric_limits<int64_t>::max();
    } else if (f[i] < -kTwo63) {
      out[i] = std::numeric_limits<int64_t>::min();
    } else {
      out[i] = static_cast<int64_t>(f[i]);
    }
  }
  return out;
}

}  // namespace panic::store
