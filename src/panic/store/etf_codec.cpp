#include "panic/store/etf_codec.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace panic::store {
namespace {

constexpr uint8_t kVersion = 131;
constexpr uint8_t kCompressed = 80;

Status Bad(const std::string& why) { return Status::Corruption("ETF: " + why); }

// A bounds-checked reader over the term's bytes.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  size_t remaining() const { return b_.size() - pos_; }
  size_t pos() const { return pos_; }
  // Counts one more decoded term against kMaxEtfTerms.
  Status CountTerm() {
    if (++terms_ > kMaxEtfTerms) return Bad("more than " + std::to_string(kMaxEtfTerms) + " terms");
    return Status::Ok();
  }
  Result<uint64_t> Be(size_t n) {
    if (remaining() < n) return Bad("truncated at byte " + std::to_string(pos_));
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = v << 8 | static_cast<uint8_t>(b_[pos_ + i]);
    pos_ += n;
    return v;
  }
  Result<std::string_view> Bytes(size_t n) {
    if (remaining() < n) return Bad("truncated at byte " + std::to_string(pos_));
    std::string_view s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::string_view b_;
  size_t pos_ = 0;
  uint64_t terms_ = 0;
};

Result<EtfTerm> Term(Reader& r, int depth);

// Room reserved for a list's or map's declared count. A count is only checked against the
// bytes left (≥ 1 byte per element) and kMaxEtfTerms, but an element takes ~100 bytes of
// memory: reserving the declared count would let a 64 MiB blob claim gigabytes, once per
// nesting level, before any element is read. Beyond this, the vector grows as elements
// actually decode (they are counted against kMaxEtfTerms).
constexpr uint64_t kMaxEtfReserve = 4096;
size_t ReserveFor(uint64_t declared) { return static_cast<size_t>(std::min(declared, kMaxEtfReserve)); }

Result<EtfTerm> Atom(Reader& r, size_t length_bytes, bool latin1) {
  PANIC_ASSIGN_OR_RETURN(uint64_t n, r.Be(length_bytes));
  PANIC_ASSIGN_OR_RETURN(std::string_view s, r.Bytes(n));
  EtfTerm t;
  t.kind = EtfTerm::Kind::kAtom;
  if (!latin1) {
    t.atom = std::string(s);
  } else {
    for (unsigned char c : s) {  // Latin-1 → UTF-8
      if (c < 0x80) {
        t.atom += static_cast<char>(c);
      } else {
        t.atom += static_cast<char>(0xC0 | (c >> 6));
        t.atom += static_cast<char>(0x80 | (c & 0x3F));
      }
    }
  }
  return t;
}

Result<EtfTerm> Term(Reader& r, int depth) {
  if (depth > kMaxEtfDepth) return Bad("nested deeper than " + std::to_string(kMaxEtfDepth));
  const size_t at = r.pos();
  PANIC_RETURN_IF_ERROR(r.CountTerm());
  PANIC_ASSIGN_OR_RETURN(uint64_t tag, r.Be(1));
  EtfTerm t;
  switch (tag) {
    case 70: {  // NEW_FLOAT_EXT
      PANIC_ASSIGN_OR_RETURN(uint64_t bits, r.Be(8));
      t.kind = EtfTerm::Kind::kFloat;
      std::memcpy(&t.real, &bits, sizeof t.real);
      return t;
    }
    case 97: {  // SMALL_INTEGER_EXT
      PANIC_ASSIGN_OR_RETURN(t.integer, r.Be(1));
      return t;
    }
    case 98: {  // INTEGER_EXT
      PANIC_ASSIGN_OR_RETURN(uint64_t v, r.Be(4));
      t.integer = static_cast<int32_t>(static_cast<uint32_t>(v));
      return t;
    }
    case 100: return Atom(r, 2, true);
    case 118: return Atom(r, 2, false);
    case 119: return Atom(r, 1, false);
    case 106:  // NIL_EXT
      t.kind = EtfTerm::Kind::kList;
      return t;
    case 107: {  // STRING_EXT: a list of bytes
      PANIC_ASSIGN_OR_RETURN(uint64_t n, r.Be(2));
      PANIC_ASSIGN_OR_RETURN(std::string_view s, r.Bytes(n));
      t.kind = EtfTerm::Kind::kList;
      t.items.reserve(n);
      for (unsigned char c : s) {
        PANIC_RETURN_IF_ERROR(r.CountTerm());
        EtfTerm e;
        e.integer = c;
        t.items.push_back(e);
      }
      return t;
    }
    case 108: {  // LIST_EXT
      PANIC_ASSIGN_OR_RETURN(uint64_t n, r.Be(4));
      // Each element takes at least one byte, and the tail one more.
      if (n + 1 > r.remaining()) return Bad("list at byte " + std::to_string(at) + " declares " + std::to_string(n) +
                                            " elements, more than the bytes left");
      if (n > kMaxEtfTerms) return Bad("list at byte " + std::to_string(at) + " declares " + std::to_string(n) +
                                       " elements, more than the limit of " + std::to_string(kMaxEtfTerms) + " terms");
      t.kind = EtfTerm::Kind::kList;
      t.items.reserve(ReserveFor(n));
      for (uint64_t i = 0; i < n; ++i) {
        PANIC_ASSIGN_OR_RETURN(EtfTerm e, Term(r, depth + 1));
        t.items.push_back(std::move(e));
      }
      PANIC_ASSIGN_OR_RETURN(EtfTerm tail, Term(r, depth + 1));
      if (tail.kind != EtfTerm::Kind::kList || !tail.items.empty()) {
        return Bad("improper list at byte " + std::to_string(at) + " (its tail is not [])");
      }
      return t;
    }
    case 116: {  // MAP_EXT
      PANIC_ASSIGN_OR_RETURN(uint64_t n, r.Be(4));
      if (n > r.remaining() / 2) return Bad("map at byte " + std::to_string(at) + " declares " + std::to_string(n) +
                                            " pairs, more than the bytes left");
      if (n > kMaxEtfTerms / 2) return Bad("map at byte " + std::to_string(at) + " declares " + std::to_string(n) +
                                           " pairs, more than the limit of " + std::to_string(kMaxEtfTerms) + " terms");
      t.kind = EtfTerm::Kind::kMap;
      t.entries.reserve(ReserveFor(n));
      for (uint64_t i = 0; i < n; ++i) {
        PANIC_ASSIGN_OR_RETURN(EtfTerm k, Term(r, depth + 1));
        PANIC_ASSIGN_OR_RETURN(EtfTerm v, Term(r, depth + 1));
        t.entries.push_back({std::move(k), std::move(v)});
      }
      return t;
    }
    default:
      return Bad("tag " + std::to_string(tag) + " at byte " + std::to_string(at) +
                 " is not one panic-tda's Elixir era wrote (floats, small integers, atoms, lists, maps)");
  }
}

// The zlib stream after tag 80, inflated to exactly `size` bytes.
Result<std::string> Inflate(std::string_view z, uint64_t size, uint64_t blob_size) {
  if (size > kMaxEtfBytes || size > kMaxEtfInflateRatio * blob_size + 1024) {
    return Bad("compressed term declares " + std::to_string(size) + " bytes, beyond the limits");
  }
  std::string out(size, '\0');
  z_stream s{};
  if (inflateInit(&s) != Z_OK) return Status::Internal("zlib: inflateInit failed");
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data()));
  s.avail_in = static_cast<uInt>(std::min<size_t>(z.size(), std::numeric_limits<uInt>::max()));
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(size);
  const int rc = inflate(&s, Z_FINISH);
  const uint64_t produced = s.total_out;
  const uint64_t consumed = s.total_in;
  inflateEnd(&s);
  if (rc != Z_STREAM_END || produced != size) {
    return Bad("compressed term does not inflate to its declared " + std::to_string(size) + " bytes");
  }
  if (consumed != z.size()) return Bad("bytes left after the compressed term");
  return out;
}

Result<std::vector<double>> Numbers(const EtfTerm* t, const std::string& what) {
  if (t == nullptr || t->kind != EtfTerm::Kind::kList) return Bad(what + " is not a list");
  std::vector<double> out;
  out.reserve(t->items.size());
  for (const EtfTerm& e : t->items) {
    auto v = e.Number();
    if (!v) return Bad(what + " holds something other than a number");
    out.push_back(*v);
  }
  return out;
}

}  // namespace

const EtfTerm* EtfTerm::Get(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.kind == Kind::kAtom && k.atom == key) return &v;
  }
  return nullptr;
}

std::optional<double> EtfTerm::Number() const {
  if (kind == Kind::kInteger) return static_cast<double>(integer);
  if (kind == Kind::kFloat) return real;
  if (kind == Kind::kAtom) {
    if (atom == "inf" || atom == "infinity") return std::numeric_limits<double>::infinity();
    if (atom == "neg_inf") return -std::numeric_limits<double>::infinity();
    if (atom == "nan") return std::numeric_limits<double>::quiet_NaN();
  }
  return std::nullopt;
}

Result<EtfTerm> DecodeEtf(std::string_view bytes) {
  Reader r(bytes);
  PANIC_ASSIGN_OR_RETURN(uint64_t version, r.Be(1));
  if (version != kVersion) return Bad("first byte is " + std::to_string(version) + ", not 131");
  if (r.remaining() > 0 && static_cast<uint8_t>(bytes[1]) == kCompressed) {
    PANIC_RETURN_IF_ERROR(r.Be(1).status());
    PANIC_ASSIGN_OR_RETURN(uint64_t size, r.Be(4));
    PANIC_ASSIGN_OR_RETURN(std::string inflated, Inflate(bytes.substr(6), size, bytes.size()));
    Reader inner(inflated);
    PANIC_ASSIGN_OR_RETURN(EtfTerm t, Term(inner, 0));
    if (inner.remaining() != 0) return Bad(std::to_string(inner.remaining()) + " bytes left after the term");
    return t;
  }
  if (bytes.size() > kMaxEtfBytes) return Bad("term larger than the limit");
  PANIC_ASSIGN_OR_RETURN(EtfTerm t, Term(r, 0));
  if (r.remaining() != 0) return Bad(std::to_string(r.remaining()) + " bytes left after the term");
  return t;
}

Result<ElixirDiagram> DecodeElixirDiagram(std::string_view bytes) {
  PANIC_ASSIGN_OR_RETURN(EtfTerm t, DecodeEtf(bytes));
  if (t.kind != EtfTerm::Kind::kMap) return Bad("a diagram must be a map");
  const EtfTerm* dgms = t.Get("dgms");
  if (dgms == nullptr || dgms->kind != EtfTerm::Kind::kList) return Bad("diagram: dgms is not a list");
  ElixirDiagram out;
  out.diagram.dimensions.resize(dgms->items.size());
  for (size_t d = 0; d < dgms->items.size(); ++d) {
    const EtfTerm& bars = dgms->items[d];
    if (bars.kind != EtfTerm::Kind::kList) return Bad("diagram: dgms[" + std::to_string(d) + "] is not a list");
    for (const EtfTerm& bar : bars.items) {
      PANIC_ASSIGN_OR_RETURN(std::vector<double> bd, Numbers(&bar, "a bar of dgms[" + std::to_string(d) + "]"));
      if (bd.size() != 2) return Bad("diagram: a bar of dgms[" + std::to_string(d) + "] is not [birth, death]");
      out.diagram.dimensions[d].push_back(tda::Bar{static_cast<float>(bd[0]), static_cast<float>(bd[1])});
    }
  }
  if (const EtfTerm* entropy = t.Get("entropy")) {
    PANIC_ASSIGN_OR_RETURN(std::vector<double> e, Numbers(entropy, "diagram: entropy"));
    for (double v : e) out.entropy.push_back(static_cast<float>(v));
  }
  return out;
}

Result<ElixirLyapunov> DecodeElixirLyapunov(std::string_view bytes) {
  PANIC_ASSIGN_OR_RETURN(EtfTerm t, DecodeEtf(bytes));
  if (t.kind != EtfTerm::Kind::kMap) return Bad("a Lyapunov result must be a map");
  ElixirLyapunov out;
  const EtfTerm* exponent = t.Get("exponent");
  if (exponent == nullptr || !exponent->Number()) return Bad("lyapunov: exponent is not a number");
  out.exponent = *exponent->Number();
  if (const EtfTerm* r2 = t.Get("r_squared"); r2 != nullptr && !(r2->kind == EtfTerm::Kind::kAtom && r2->atom == "nil")) {
    if (!r2->Number()) return Bad("lyapunov: r_squared is neither a number nor nil");
    out.r_squared = *r2->Number();
  }
  PANIC_ASSIGN_OR_RETURN(out.divergence_curve, Numbers(t.Get("divergence_curve"), "lyapunov: divergence_curve"));
  for (const char* key : {"num_pairs", "num_timesteps"}) {
    const EtfTerm* v = t.Get(key);
    if (v == nullptr || v->kind != EtfTerm::Kind::kInteger) return Bad(std::string("lyapunov: ") + key + " is not an integer");
    (std::string(key) == "num_pairs" ? out.num_pairs : out.num_timesteps) = v->integer;
  }
  return out;
}

}  // namespace panic::store
