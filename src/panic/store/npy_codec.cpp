#include "panic/store/npy_codec.h"

#include <cstring>

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
  if (bytes.size() < header_start + header_len) {
    return Status::InvalidArgument("npy: truncated header");
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
    return Status::InvalidArgument("npy: dtype " + descr +
                                   " is not supported (float32, float64 or int64, little-endian)");
  }
  if (fortran != "False") {
    return Status::InvalidArgument("npy: array is in Fortran order, C order is required");
  }
  if (shape_text.size() < 2 || shape_text.front() != '(' || shape_text.back() != ')') {
    return Status::InvalidArgument("npy: malformed shape " + shape_text);
  }
  std::string inner = shape_text.substr(1, shape_text.size() - 2);
  size_t pos = 0;
  while (pos < inner.size()) {
    size_t comma = inner.find(',', pos);
    std::string item = inner.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t a = item.find_first_not_of(' '), b = item.find_last_not_of(' ');
    if (a != std::string::npos) {
      item = item.substr(a, b - a + 1);
      if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos ||
          item.size() > 18) {
        return Status::InvalidArgument("npy: malformed shape " + shape_text);
      }
      array.shape.push_back(std::stoull(item));
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  size_t need = array.num_elements() * ElementSize(array.dtype);
  size_t data_start = header_start + header_len;
  if (bytes.size() - data_start < need) {
    return Status::InvalidArgument("npy: data truncated: " + std::to_string(bytes.size() - data_start) +
                                   " bytes for " + std::to_string(need));
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
  std::vector<float> f = NpyToFloats(array);
  return std::vector<int64_t>(f.begin(), f.end());
}

}  // namespace panic::store
