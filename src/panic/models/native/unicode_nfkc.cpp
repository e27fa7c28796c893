#include "panic/models/native/unicode_nfkc.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace panic::models::native {
namespace {

struct Decomposition {
  char32_t code;
  uint16_t offset;  // into kDecompositionPool
  uint8_t length;
};
struct CombiningClassRange {
  char32_t first;
  char32_t last;
  uint8_t ccc;
};
struct Composition {
  char32_t first;
  char32_t second;
  char32_t composite;
};

#include "panic/models/native/unicode_nfkc_tables.inc"

static_assert(std::size(kDecompositionPool) < 65536, "offsets are 16-bit");

// Hangul syllables decompose and compose by formula (Unicode §3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr int kLCount = 19, kVCount = 21, kTCount = 28;
constexpr int kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

uint8_t CombiningClass(char32_t c) {
  if (c < 0x300) return 0;
  auto it = std::upper_bound(std::begin(kCombiningClasses), std::end(kCombiningClasses), c,
                             [](char32_t v, const CombiningClassRange& r) { return v < r.first; });
  if (it == std::begin(kCombiningClasses)) return 0;
  --it;
  return c <= it->last ? it->ccc : 0;
}

void AppendDecomposition(char32_t c, std::u32string& out) {
  if (c >= kSBase && c < kSBase + kSCount) {
    const int s = static_cast<int>(c - kSBase);
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  auto it = std::lower_bound(std::begin(kDecompositions), std::end(kDecompositions), c,
                             [](const Decomposition& d, char32_t v) { return d.code < v; });
  if (it != std::end(kDecompositions) && it->code == c) {
    out.append(kDecompositionPool + it->offset, it->length);
  } else {
    out.push_back(c);
  }
}

// The primary composite of (first, second), or 0 when there is none.
char32_t Compose(char32_t first, char32_t second) {
  if (first >= kLBase && first < kLBase + kLCount && second >= kVBase && second < kVBase + kVCount) {
    return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
  }
  if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 &&
      second > kTBase && second < kTBase + kTCount) {
    return first + (second - kTBase);
  }
  auto it = std::lower_bound(std::begin(kCompositions), std::end(kCompositions), std::pair(first, second),
                             [](const Composition& c, const std::pair<char32_t, char32_t>& v) {
                               return c.first != v.first ? c.first < v.first : c.second < v.second;
                             });
  if (it != std::end(kCompositions) && it->first == first && it->second == second) return it->composite;
  return 0;
}

// Stable sort of every run of non-starters by combining class.
void CanonicalOrder(std::u32string& s) {
  for (size_t i = 1; i < s.size(); ++i) {
    const uint8_t ccc = CombiningClass(s[i]);
    if (ccc == 0) continue;
    size_t j = i;
    while (j > 0) {
      const uint8_t prev = CombiningClass(s[j - 1]);
      if (prev == 0 || prev <= ccc) break;
      std::swap(s[j - 1], s[j]);
      --j;
    }
  }
}

std::u32string CanonicalCompose(const std::u32string& s) {
  std::u32string out;
  out.reserve(s.size());
  size_t starter = std::u32string::npos;  // index in `out` of the last starter
  uint8_t last_ccc = 0;                   // class of the last character appended
  for (char32_t c : s) {
    const uint8_t ccc = CombiningClass(c);
    if (starter != std::u32string::npos) {
      // c is blocked from the starter by any character between them whose class is 0 or
      // not lower than c's; a starter after a starter composes only when adjacent.
      const bool adjacent = starter + 1 == out.size();
      if (adjacent || (last_ccc != 0 && last_ccc < ccc)) {
        if (char32_t composite = Compose(out[starter], c)) {
          out[starter] = composite;
          continue;
        }
      }
    }
    if (ccc == 0) starter = out.size();
    last_ccc = ccc;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::u32string NfkcNormalize(std::u32string_view text) {
  if (std::all_of(text.begin(), text.end(), [](char32_t c) { return c < 0xA0; })) {
    return std::u32string(text);  // below U+00A0 nothing decomposes or combines
  }
  std::u32string decomposed;
  decomposed.reserve(text.size() + text.size() / 2);
  for (char32_t c : text) AppendDecomposition(c, decomposed);
  CanonicalOrder(decomposed);
  return CanonicalCompose(decomposed);
}

const char* NfkcUnicodeVersion() { return kUnicodeVersion; }

}  // namespace panic::models::native
