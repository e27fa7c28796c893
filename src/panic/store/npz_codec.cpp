#include "panic/store/npz_codec.h"

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <limits>

namespace panic::store {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndRecordSig = 0x06054b50;
constexpr uint32_t kZip64EndRecordSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndRecordSize = 22;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflate = 8;
constexpr uint16_t kVersionNeeded = 20;  // 2.0: what numpy's stored members declare
constexpr uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;  // 1980-01-01, fixed for determinism
constexpr uint16_t kZip64ExtraId = 0x0001;

void Put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>(v >> 8);
}
void Put32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
uint64_t Get(std::string_view b, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(b[pos + i])) << (8 * i);
  return v;
}

uint32_t Crc32(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  size_t pos = 0;
  while (pos < data.size()) {  // zlib takes uInt lengths
    uInt chunk = static_cast<uInt>(std::min<size_t>(data.size() - pos, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data() + pos), chunk);
    pos += chunk;
  }
  return static_cast<uint32_t>(crc);
}

Result<std::string> Inflate(std::string_view compressed, size_t expected_size, const std::string& name) {
  std::string out(expected_size, '\0');
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return Status::Internal("npz: inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || produced != expected_size) {
    return Status::Corruption("npz: member " + name + ": deflate stream does not decode to " +
                              std::to_string(expected_size) + " bytes");
  }
  return out;
}

// Reads the zip64 extended-information extra field, replacing each 32-bit field that
// is saturated (0xffffffff), in the order the spec gives: size, compressed size, offset.
void ApplyZip64Extra(std::string_view extra, uint64_t& usize, uint64_t& csize, uint64_t& offset) {
  size_t pos = 0;
  while (pos + 4 <= extra.size()) {
    uint16_t id = static_cast<uint16_t>(Get(extra, pos, 2));
    uint16_t len = static_cast<uint16_t>(Get(extra, pos + 2, 2));
    size_t p = pos + 4, end = std::min(extra.size(), p + len);
    if (id == kZip64ExtraId) {
      for (uint64_t* field : {&usize, &csize, &offset}) {
        if (*field == 0xffffffffu && p + 8 <= end) {
          *field = Get(extra, p, 8);
          p += 8;
        }
      }
    }
    pos += 4 + len;
  }
}

}  // namespace

std::string EncodeNpz(const NpzArchive& archive) {
  std::string out, central;
  uint16_t count = 0;
  for (const auto& [key, array] : archive) {
    std::string name = key + ".npy";
    std::string data = EncodeNpy(array);
    uint32_t crc = Crc32(data);
    uint32_t offset = static_cast<uint32_t>(out.size());
    auto header_fields = [&](std::string& h) {
      Put16(h, kVersionNeeded);
      Put16(h, 0);  // flags
      Put16(h, kMethodStored);
      Put16(h, 0);  // time
      Put16(h, kDosDate1980);
      Put32(h, crc);
      Put32(h, static_cast<uint32_t>(data.size()));
      Put32(h, static_cast<uint32_t>(data.size()));
      Put16(h, static_cast<uint16_t>(name.size()));
      Put16(h, 0);  // extra length
    };
    Put32(out, kLocalHeaderSig);
    header_fields(out);
    out += name;
    out += data;
    Put32(central, kCentralHeaderSig);
    Put16(central, kVersionNeeded);  // version made by
    header_fields(central);
    Put16(central, 0);  // comment length
    Put16(central, 0);  // disk number
    Put16(central, 0);  // internal attributes
    Put32(central, 0);  // external attributes
    Put32(central, offset);
    central += name;
    ++count;
  }
  uint32_t central_offset = static_cast<uint32_t>(out.size());
  out += central;
  Put32(out, kEndRecordSig);
  Put16(out, 0);
  Put16(out, 0);
  Put16(out, count);
  Put16(out, count);
  Put32(out, static_cast<uint32_t>(central.size()));
  Put32(out, central_offset);
  Put16(out, 0);  // comment length
  return out;
}

Result<NpzArchive> DecodeNpz(std::string_view b) {
  if (b.size() < kEndRecordSize) return Status::Corruption("npz: too short to be a zip archive");
  size_t end = std::string_view::npos;
  size_t lowest = b.size() > kEndRecordSize + 65535 ? b.size() - kEndRecordSize - 65535 : 0;
  for (size_t p = b.size() - kEndRecordSize + 1; p-- > lowest;) {
    if (Get(b, p, 4) == kEndRecordSig) {
      end = p;
      break;
    }
  }
  if (end == std::string_view::npos) return Status::Corruption("npz: no zip end-of-central-directory record");
  uint64_t entries = Get(b, end + 10, 2);
  uint64_t cd_offset = Get(b, end + 16, 4);
  if ((entries == 0xffff || cd_offset == 0xffffffffu) && end >= 20 && Get(b, end - 20, 4) == kZip64LocatorSig) {
    uint64_t rec = Get(b, end - 20 + 8, 8);
    if (rec + 56 > b.size() || Get(b, rec, 4) != kZip64EndRecordSig) {
      return Status::Corruption("npz: bad zip64 end record");
    }
    entries = Get(b, rec + 32, 8);
    cd_offset = Get(b, rec + 48, 8);
  }
  NpzArchive archive;
  size_t pos = cd_offset;
  for (uint64_t e = 0; e < entries; ++e) {
    if (pos + kCentralHeaderSize > b.size() || Get(b, pos, 4) != kCentralHeaderSig) {
      return Status::Corruption("npz: bad central directory record " + std::to_string(e));
    }
    uint16_t method = static_cast<uint16_t>(Get(b, pos + 10, 2));
    uint32_t crc = static_cast<uint32_t>(Get(b, pos + 16, 4));
    uint64_t csize = Get(b, pos + 20, 4), usize = Get(b, pos + 24, 4);
    size_t name_len = Get(b, pos + 28, 2), extra_len = Get(b, pos + 30, 2), comment_len = Get(b, pos + 32, 2);
    uint64_t local = Get(b, pos + 42, 4);
    if (pos + kCentralHeaderSize + name_len + extra_len > b.size()) {
      return Status::Corruption("npz: truncated central directory");
    }
    std::string name(b.substr(pos + kCentralHeaderSize, name_len));
    ApplyZip64Extra(b.substr(pos + kCentralHeaderSize + name_len, extra_len), usize, csize, local);
    pos += kCentralHeaderSize + name_len + extra_len + comment_len;
    if (local + kLocalHeaderSize > b.size() || Get(b, local, 4) != kLocalHeaderSig) {
      return Status::Corruption("npz: member " + name + ": bad local header");
    }
    size_t data_start = local + kLocalHeaderSize + Get(b, local + 26, 2) + Get(b, local + 28, 2);
    if (data_start > b.size() || b.size() - data_start < csize) {
      return Status::Corruption("npz: member " + name + ": data truncated");
    }
    std::string_view raw = b.substr(data_start, csize);
    std::string data;
    if (method == kMethodStored) {
      data = std::string(raw);
    } else if (method == kMethodDeflate) {
      PANIC_ASSIGN_OR_RETURN(data, Inflate(raw, usize, name));
    } else {
      return Status::InvalidArgument("npz: member " + name + ": compression method " +
                                     std::to_string(method) + " is not supported (stored or deflate)");
    }
    if (Crc32(data) != crc) return Status::Corruption("npz: member " + name + ": CRC-32 mismatch");
    if (name.size() < 4 || name.substr(name.size() - 4) != ".npy") continue;  // not an array
    auto array = DecodeNpy(data);
    if (!array.ok()) return array.status().WithContext("npz: member " + name);
    archive.emplace(name.substr(0, name.size() - 4), std::move(array).value());
  }
  return archive;
}

std::string EncodeDiagramNpz(const tda::Diagram& diagram, const std::vector<float>& entropy) {
  NpzArchive archive;
  size_t k = diagram.num_dimensions();
  for (size_t d = 0; d < k; ++d) {
    std::vector<float> values;
    for (const tda::Bar& bar : diagram.dimensions[d]) {
      values.push_back(bar.birth);
      values.push_back(bar.death);
    }
    archive["dgms_" + std::to_string(d)] = MakeNpyFloat32(values, {diagram.dimensions[d].size(), 2});
  }
  archive["dgms_count"] = MakeNpyInt64({static_cast<int64_t>(k)}, {1});
  std::vector<float> e(k, 0.0f);
  for (size_t d = 0; d < k && d < entropy.size(); ++d) e[d] = entropy[d];
  archive["entropy"] = MakeNpyFloat32(e, {k});
  return EncodeNpz(archive);
}

Result<DiagramWithEntropy> DecodeDiagramNpz(std::string_view bytes) {
  PANIC_ASSIGN_OR_RETURN(NpzArchive archive, DecodeNpz(bytes));
  size_t k = 0;
  auto count = archive.find("dgms_count");
  if (count != archive.end()) {
    std::vector<int64_t> c = NpyToInt64s(count->second);
    if (c.size() != 1 || c[0] < 0 || c[0] > 64) {
      return Status::Corruption("npz: dgms_count must hold one count in 0..64");
    }
    k = static_cast<size_t>(c[0]);
  } else {
    while (archive.count("dgms_" + std::to_string(k))) ++k;
  }
  DiagramWithEntropy out;
  out.diagram.dimensions.resize(k);
  for (size_t d = 0; d < k; ++d) {
    std::string key = "dgms_" + std::to_string(d);
    auto it = archive.find(key);
    if (it == archive.end()) return Status::Corruption("npz: " + key + " is missing");
    const NpyArray& a = it->second;
    bool empty_ok = a.num_elements() == 0;  // numpy may save an empty diagram as (0,)
    if (!empty_ok && (a.shape.size() != 2 || a.shape[1] != 2 || a.dtype == NpyDtype::kInt64)) {
      return Status::Corruption("npz: " + key + " must be a float array of shape (n, 2)");
    }
    std::vector<float> v = NpyToFloats(a);
    for (size_t i = 0; i + 1 < v.size(); i += 2) out.diagram.dimensions[d].push_back(tda::Bar{v[i], v[i + 1]});
  }
  auto entropy = archive.find("entropy");
  if (entropy != archive.end()) out.entropy = NpyToFloats(entropy->second);
  return out;
}

}  // namespace panic::store
