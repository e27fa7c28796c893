#include "panic/models/onnx/unicode_text.h"

#include <algorithm>
#include <array>
#include <iterator>

#include "panic/models/native/unicode_nfkc.h"

namespace panic::models::onnx {
namespace {

#include "panic/models/onnx/unicode_tables.inc"

constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr int kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

uint8_t RangeValue(const ValueRange* begin, const ValueRange* end, char32_t c) {
  const ValueRange* it = std::upper_bound(begin, end, c, [](char32_t x, const ValueRange& r) { return x < r.first; });
  if (it == begin) return 0;
  --it;
  return c <= it->last ? it->value : 0;
}

uint8_t CombiningClass(char32_t c) { return RangeValue(std::begin(kCombiningRanges), std::end(kCombiningRanges), c); }

void Decompose(char32_t c, std::u32string& out) {
  if (c >= kSBase && c < kSBase + kSCount) {
    const int s = static_cast<int>(c - kSBase);
    out += static_cast<char32_t>(kLBase + s / kNCount);
    out += static_cast<char32_t>(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out += static_cast<char32_t>(kTBase + s % kTCount);
    return;
  }
  const auto* it = std::lower_bound(std::begin(kCanonicalDecompositions), std::end(kCanonicalDecompositions), c,
                                    [](const Decomposition& d, char32_t x) { return d.code < x; });
  if (it != std::end(kCanonicalDecompositions) && it->code == c) {
    out.append(kCanonicalPool + it->offset, it->length);
  } else {
    out += c;
  }
}

// Stable sort of each run of non-starters by combining class (canonical ordering).
void CanonicalOrder(std::u32string& s) {
  size_t i = 0;
  while (i < s.size()) {
    if (CombiningClass(s[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && CombiningClass(s[j]) != 0) ++j;
    std::stable_sort(s.begin() + static_cast<std::ptrdiff_t>(i), s.begin() + static_cast<std::ptrdiff_t>(j),
                     [](char32_t a, char32_t b) { return CombiningClass(a) < CombiningClass(b); });
    i = j;
  }
}

char32_t Compose(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount) {
    return a + (b - kTBase);
  }
  const auto* it = std::lower_bound(std::begin(kCompositions), std::end(kCompositions), std::pair(a, b),
                                    [](const Composition& c, const std::pair<char32_t, char32_t>& x) {
                                      return c.first < x.first || (c.first == x.first && c.second < x.second);
                                    });
  if (it != std::end(kCompositions) && it->first == a && it->second == b) return it->composite;
  return 0;
}

std::array<char32_t, 256> MakeByteAlphabet() {
  std::array<char32_t, 256> table{};
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    table[b] = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + extra++);
  }
  return table;
}

const std::array<char32_t, 256>& ByteAlphabet() {
  static const std::array<char32_t, 256> table = MakeByteAlphabet();
  return table;
}

}  // namespace

CharClass ClassOf(char32_t c) {
  return static_cast<CharClass>(RangeValue(std::begin(kCategoryRanges), std::end(kCategoryRanges), c));
}

bool IsWhiteSpace(char32_t c) {
  return (c >= 0x9 && c <= 0xD) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool IsNonspacingMark(char32_t c) { return ClassOf(c) == CharClass::kNonspacingMark; }

bool IsCjkIdeograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::u32string Nfd(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (char32_t c : s) Decompose(c, out);
  CanonicalOrder(out);
  return out;
}

std::u32string Nfc(std::u32string_view s) {
  std::u32string d = Nfd(s);
  std::u32string out;
  out.reserve(d.size());
  size_t starter = std::u32string::npos;  // index in out of the last starter
  int last_class = 0;                     // combining class of out.back()
  for (char32_t c : d) {
    const int cc = CombiningClass(c);
    if (starter != std::u32string::npos) {
      // c is not blocked from the starter when it follows it directly, or when every
      // character between them has a lower, non-zero combining class.
      const bool adjacent = out.size() == starter + 1;
      if (adjacent || (last_class != 0 && last_class < cc)) {
        if (char32_t composite = Compose(out[starter], c)) {
          out[starter] = composite;
          continue;
        }
      }
    }
    if (cc == 0) starter = out.size();
    last_class = cc;
    out += c;
  }
  return out;
}

std::u32string Nfkc(std::u32string_view s) { return native::NfkcNormalize(s); }

std::u32string Lowercase(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (c < 0x80) {
      out += (c >= 'A' && c <= 'Z') ? c + 32 : c;
      continue;
    }
    const auto* it = std::lower_bound(std::begin(kLowercase), std::end(kLowercase), c,
                                      [](const LowerMapping& m, char32_t x) { return m.code < x; });
    if (it == std::end(kLowercase) || it->code != c) {
      out += c;
      continue;
    }
    for (char32_t l : it->lower) {
      if (l != 0) out += l;
    }
  }
  return out;
}

char32_t ByteToUnicode(uint8_t b) { return ByteAlphabet()[b]; }

int UnicodeToByte(char32_t c) {
  if (c < 0x21) return -1;
  if (c <= 0xFF) return ByteAlphabet()[c] == c ? static_cast<int>(c) : -1;
  if (c < 0x100 + 68) {
    for (int b = 0; b < 256; ++b) {
      if (ByteAlphabet()[b] == c) return b;
    }
  }
  return -1;
}

}  // namespace panic::models::onnx
