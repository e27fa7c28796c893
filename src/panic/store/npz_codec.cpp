#include "panic/store/npz_codec.h"

#include <zip.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>

namespace panic::store {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndRecordSig = 0x06054b50;
constexpr size_t kEndRecordSize = 22;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kVersionNeeded = 20;  // 2.0: what numpy's stored members declare
constexpr uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;  // 1980-01-01, fixed for determinism

void Put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>(v >> 8);
}
void Put32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
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

// Owns a libzip archive opened over caller-owned bytes (read-only: zip_discard).
struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileCloser>;

Result<ZipPtr> OpenZip(std::string_view b) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(b.data(), b.size(), 0, &error);
  if (source == nullptr) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Status::Internal("npz: libzip cannot make a buffer source: " + message);
  }
  // ZIP_CHECKCONS: also compare each local header with its central-directory record.
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (archive == nullptr) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    zip_source_free(source);  // not taken over when the open fails
    return Status::Corruption("npz: not a valid zip archive (" + message + ")");
  }
  zip_error_fini(&error);
  return ZipPtr(archive);
}

// Reads member `index` (stat'ed as `st`, st.size already checked against the caps)
// whole, streaming: never more than st.size + one chunk is inflated, whatever the deflate
// stream holds, so a member that lies about its size costs at most its declared size.
// libzip checks the CRC-32 at the end.
Result<std::string> ReadMember(zip_t* archive, zip_uint64_t index, const zip_stat_t& st) {
  const std::string name = st.name;
  ZipFilePtr file(zip_fopen_index(archive, index, 0));
  if (!file) return Status::Corruption("npz: member " + name + ": cannot open (" + zip_strerror(archive) + ")");
  std::string data;
  data.reserve(static_cast<size_t>(st.size));
  char chunk[1 << 16];
  for (;;) {
    zip_int64_t got = zip_fread(file.get(), chunk, sizeof chunk);
    if (got < 0) {
      return Status::Corruption("npz: member " + name + ": " + zip_file_strerror(file.get()));
    }
    if (got == 0) break;
    if (static_cast<uint64_t>(got) > st.size - data.size()) {  // data.size() ≤ st.size: no wrap
      return Status::Corruption("npz: member " + name + " inflates to more than the " + std::to_string(st.size) +
                                " bytes its directory declares");
    }
    data.append(chunk, static_cast<size_t>(got));
  }
  if (data.size() != st.size) {
    return Status::Corruption("npz: member " + name + ": " + std::to_string(data.size()) +
                              " bytes where the directory says " + std::to_string(st.size));
  }
  return data;
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

Result<NpzArchive> DecodeNpz(std::string_view b, const std::function<bool(std::string_view key)>& wanted) {
  // libzip would take an empty buffer for a new, empty archive.
  if (b.size() < kEndRecordSize) return Status::Corruption("npz: too short to be a zip archive");
  PANIC_ASSIGN_OR_RETURN(ZipPtr archive, OpenZip(b));
  zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  if (entries < 0 || static_cast<uint64_t>(entries) > kMaxNpzEntries) {
    return Status::Corruption("npz: " + std::to_string(entries) + " members, at most " +
                              std::to_string(kMaxNpzEntries) + " allowed");
  }
  // The budget for all members together: kNpzInflateAllowance plus kMaxNpzInflateRatio
  // times the archive's size. b.size() < 2^63 on any real machine, so no overflow.
  const uint64_t budget = kNpzInflateAllowance + kMaxNpzInflateRatio * static_cast<uint64_t>(b.size());
  uint64_t spent = 0;
  NpzArchive out;
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(entries); ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive.get(), i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE)) {
      return Status::Corruption("npz: member " + std::to_string(i) + ": bad directory record (" +
                                zip_strerror(archive.get()) + ")");
    }
    const std::string name = st.name;
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".npy") != 0) continue;  // not an array: not read
    if (wanted && !wanted(std::string_view(name).substr(0, name.size() - 4))) continue;  // not asked for: not read
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
      return Status::InvalidArgument("npz: member " + name + " is encrypted");
    }
    if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE) {
      return Status::InvalidArgument("npz: member " + name + ": compression method " +
                                     std::to_string(st.comp_method) + " is not supported (stored or deflate)");
    }
    // Refuse a declared size beyond the caps before reading anything.
    const uint64_t cap = std::min(kMaxNpzMemberBytes, budget - spent);
    if (st.size > cap) {
      return Status::Corruption("npz: member " + name + " declares " + std::to_string(st.size) +
                                " bytes, more than the " + std::to_string(cap) +
                                " allowed (see docs/DECODERS.md)");
    }
    PANIC_ASSIGN_OR_RETURN(std::string data, ReadMember(archive.get(), i, st));
    spent += data.size();
    auto array = DecodeNpy(data);
    if (!array.ok()) return array.status().WithContext("npz: member " + name);
    if (!out.emplace(name.substr(0, name.size() - 4), std::move(array).value()).second) {
      return Status::Corruption("npz: member " + name + " appears twice");
    }
  }
  return out;
}

std::string EncodeDiagramNpz(const tda::Diagram& diagram, const std::vector<float>& entropy,
                             std::optional<double> approximation_epsilon) {
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
  if (approximation_epsilon) {
    NpyArray eps{NpyDtype::kFloat64, {1}, std::string(sizeof(double), '\0')};
    std::memcpy(eps.data.data(), &*approximation_epsilon, sizeof(double));  // little-endian host (npy_codec)
    archive["approximation_epsilon"] = std::move(eps);
  }
  return EncodeNpz(archive);
}

Result<DiagramWithEntropy> DecodeDiagramNpz(std::string_view bytes) {
  // Only the diagram's keys are decoded: legacy generator arrays (gens_*) and their unicode
  // metadata (*_meta) are skipped unread.
  auto diagram_key = [](std::string_view key) {
    if (key == "dgms_count" || key == "entropy" || key == "approximation_epsilon") return true;
    if (key.substr(0, 5) != "dgms_" || key.size() == 5) return false;
    return key.find_first_not_of("0123456789", 5) == std::string_view::npos;
  };
  PANIC_ASSIGN_OR_RETURN(NpzArchive archive, DecodeNpz(bytes, diagram_key));
  size_t k = 0;
  auto count = archive.find("dgms_count");
  if (count != archive.end()) {
    std::vector<int64_t> c = NpyToInt64s(count->second);
    if (count->second.dtype != NpyDtype::kInt64 || c.size() != 1 || c[0] < 0 || c[0] > 64) {
      return Status::Corruption("npz: dgms_count must hold one int64 count in 0..64");
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
  if (Status valid = tda::ValidateDiagram(out.diagram); !valid.ok()) {
    return Status::Corruption("npz: invalid diagram: " + valid.message());
  }
  auto entropy = archive.find("entropy");
  if (entropy != archive.end()) out.entropy = NpyToFloats(entropy->second);
  auto eps = archive.find("approximation_epsilon");
  if (eps != archive.end()) {
    const NpyArray& a = eps->second;
    double value = 0;
    if (a.num_elements() != 1 || a.dtype == NpyDtype::kInt64) {
      return Status::Corruption("npz: approximation_epsilon must hold one float");
    }
    if (a.dtype == NpyDtype::kFloat64) std::memcpy(&value, a.data.data(), sizeof(double));
    else value = NpyToFloats(a)[0];
    if (!std::isfinite(value) || !(value > 0)) {
      return Status::Corruption("npz: approximation_epsilon must be a finite number > 0, not " + std::to_string(value));
    }
    out.approximation_epsilon = value;
  }
  return out;
}

}  // namespace panic::store
