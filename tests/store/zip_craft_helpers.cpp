#include "store/zip_craft_helpers.h"

#include <zlib.h>

#include <stdexcept>

namespace panic::testing {
namespace {

void Put(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

// Raw deflate of `data` ending with a full flush: byte-aligned, not final, and
// independent of anything before it, so such pieces concatenate into one stream.
std::string DeflatePiece(const std::string& data, int flush) {
  z_stream zs{};
  if (deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, flush);
  if (rc != Z_OK && rc != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace

CraftedMember HonestMember(const std::string& name, const std::string& data, bool deflate) {
  CraftedMember m;
  m.name = name;
  m.method = deflate ? 8 : 0;
  m.payload = deflate ? DeflatePiece(data, Z_FINISH) : data;
  m.crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  m.size = data.size();
  return m;
}

std::string DeflateZeros(const std::string& prefix, uint64_t zeros, uint32_t* crc) {
  constexpr uint64_t kChunk = uint64_t{16} << 20;
  std::string stream = DeflatePiece(prefix, Z_FULL_FLUSH);
  uLong c = crc32(0, reinterpret_cast<const Bytef*>(prefix.data()), static_cast<uInt>(prefix.size()));
  const std::string chunk_zeros(static_cast<size_t>(std::min(zeros, kChunk)), '\0');
  const std::string piece = DeflatePiece(chunk_zeros, Z_FULL_FLUSH);
  const uLong chunk_crc = crc32(0, reinterpret_cast<const Bytef*>(chunk_zeros.data()), static_cast<uInt>(chunk_zeros.size()));
  for (uint64_t left = zeros; left > 0; left -= chunk_zeros.size()) {
    stream += piece;
    c = crc32_combine(c, chunk_crc, static_cast<z_off_t>(chunk_zeros.size()));
    if (left < chunk_zeros.size()) throw std::runtime_error("zeros must be a multiple of 16 MiB");
  }
  stream += DeflatePiece("", Z_FINISH);  // the final, empty block
  *crc = static_cast<uint32_t>(c);
  return stream;
}

std::string CraftZip(const std::vector<CraftedMember>& members) {
  std::string out, central;
  for (const CraftedMember& m : members) {
    const uint64_t offset = out.size();
    const uint64_t csize = m.payload.size();
    std::string extra;
    if (m.zip64) {
      Put(extra, 0x0001, 2);
      Put(extra, 16, 2);
      Put(extra, m.size, 8);
      Put(extra, csize, 8);
    }
    auto fields = [&](std::string& h) {
      Put(h, m.zip64 ? 45 : 20, 2);  // version needed
      Put(h, 0, 2);                  // flags
      Put(h, m.method, 2);
      Put(h, 0, 2);
      Put(h, 0x21, 2);               // 1980-01-01
      Put(h, m.crc, 4);
      Put(h, m.zip64 ? 0xffffffffu : csize, 4);
      Put(h, m.zip64 ? 0xffffffffu : m.size, 4);
      Put(h, m.name.size(), 2);
      Put(h, extra.size(), 2);
    };
    Put(out, 0x04034b50, 4);
    fields(out);
    out += m.name + extra + m.payload;
    Put(central, 0x02014b50, 4);
    Put(central, 45, 2);  // version made by
    fields(central);
    Put(central, 0, 2);   // comment
    Put(central, 0, 2);   // disk
    Put(central, 0, 2);   // internal attributes
    Put(central, 0, 4);   // external attributes
    Put(central, offset, 4);
    central += m.name + extra;
  }
  const uint64_t cd_offset = out.size();
  out += central;
  Put(out, 0x06054b50, 4);
  Put(out, 0, 4);
  Put(out, members.size(), 2);
  Put(out, members.size(), 2);
  Put(out, central.size(), 4);
  Put(out, cd_offset, 4);
  Put(out, 0, 2);
  return out;
}

std::string CraftZip64EndOnly(uint64_t cd_offset, uint64_t entries) {
  std::string out;
  Put(out, 0x06064b50, 4);  // zip64 end of central directory record, at offset 0
  Put(out, 44, 8);          // its size after this field
  Put(out, 45, 2);
  Put(out, 45, 2);
  Put(out, 0, 4);
  Put(out, 0, 4);
  Put(out, entries, 8);
  Put(out, entries, 8);
  Put(out, 46, 8);          // central directory size
  Put(out, cd_offset, 8);
  Put(out, 0x07064b50, 4);  // zip64 locator
  Put(out, 0, 4);
  Put(out, 0, 8);           // the zip64 end record's offset
  Put(out, 1, 4);
  Put(out, 0x06054b50, 4);  // end record, every field saturated
  Put(out, 0, 4);
  Put(out, 0xffff, 2);
  Put(out, 0xffff, 2);
  Put(out, 0xffffffffu, 4);
  Put(out, 0xffffffffu, 4);
  Put(out, 0, 2);
  return out;
}

}  // namespace panic::testing
