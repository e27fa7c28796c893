// The triangle sweep's word loops (bit_rows.h): the AVX2 and AVX-512 forms (those this CPU
// has) against the one-word loops, for every row length up to 40 words and every range in
// them.
#include "panic/tda/bit_rows.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tda/simd_levels.h"

namespace panic::tda::internal {
namespace {

std::vector<uint64_t> RandomWords(size_t count, std::mt19937_64& rng) {
  std::vector<uint64_t> words(count);
  // Sparse rows too: most words 0, so that the highest non-zero word moves about.
  for (uint64_t& w : words) w = rng() % 3 == 0 ? rng() & rng() : 0;
  return words;
}

struct VectorForm {
  std::string name;
  int (*intersect)(const uint64_t*, const uint64_t*, size_t, uint64_t*);
  size_t (*clear)(uint64_t*, const uint64_t*, size_t, size_t);
};

// The vector forms this CPU runs (SimdLevelsHere).
std::vector<VectorForm> VectorForms() {
  std::vector<VectorForm> forms;
  for (SimdLevel level : SimdLevelsHere()) {
    if (level == SimdLevel::kAvx2) forms.push_back({"AVX2", IntersectRowsAvx2, ClearRowBitsAvx2});
    if (level == SimdLevel::kAvx512) forms.push_back({"AVX-512", IntersectRowsAvx512, ClearRowBitsAvx512});
  }
  return forms;
}

TEST(BitRowsTest, IntersectionAgreesWithTheOneWordLoop) {
  const std::vector<VectorForm> forms = VectorForms();
  if (forms.empty()) GTEST_SKIP() << "neither AVX2 nor AVX-512 on this CPU";
  std::mt19937_64 rng(11);
  for (size_t words = 0; words <= 40; ++words) {
    for (int round = 0; round < 20; ++round) {
      const std::vector<uint64_t> ax = RandomWords(words, rng), ay = RandomWords(words, rng);
      // One guard word past the row: no form may write it.
      std::vector<uint64_t> scalar(words + 1, 7);
      const int top = IntersectRowsScalar(ax.data(), ay.data(), words, scalar.data());
      for (const VectorForm& form : forms) {
        std::vector<uint64_t> vector(words + 1, 7);
        EXPECT_EQ(form.intersect(ax.data(), ay.data(), words, vector.data()), top) << form.name << ", " << words;
        EXPECT_EQ(vector, scalar) << form.name << ", " << words << " words";
      }
      if (top >= 0) {
        EXPECT_NE(scalar[static_cast<size_t>(top)], 0u);
      }
      for (size_t w = static_cast<size_t>(top + 1); w < words; ++w) EXPECT_EQ(scalar[w], 0u);
    }
  }
}

TEST(BitRowsTest, ClearingAgreesWithTheOneWordLoop) {
  // Every form against the definition (the vector ones this CPU has), and the word each
  // returns: the lowest one left non-zero in [lo, hi), or hi.
  const std::vector<VectorForm> forms = VectorForms();
  std::mt19937_64 rng(12);
  for (size_t words = 0; words <= 40; ++words) {
    const std::vector<uint64_t> a = RandomWords(words, rng), r = RandomWords(words, rng);
    for (size_t lo = 0; lo <= words; ++lo) {
      for (size_t hi = lo; hi <= words; ++hi) {
        std::vector<uint64_t> scalar = r;
        const size_t first = ClearRowBitsScalar(scalar.data(), a.data(), lo, hi);
        size_t expected_first = hi;
        for (size_t w = 0; w < words; ++w) {
          const bool cleared = w >= lo && w < hi;
          EXPECT_EQ(scalar[w], cleared ? r[w] & ~a[w] : r[w]);
          if (cleared && scalar[w] != 0 && expected_first == hi) expected_first = w;
        }
        EXPECT_EQ(first, expected_first) << words << " words, [" << lo << ", " << hi << ")";
        for (const VectorForm& form : forms) {
          std::vector<uint64_t> vector = r;
          EXPECT_EQ(form.clear(vector.data(), a.data(), lo, hi), expected_first)
              << form.name << ", " << words << " words, [" << lo << ", " << hi << ")";
          EXPECT_EQ(vector, scalar) << form.name << ", " << words << " words, [" << lo << ", " << hi << ")";
        }
      }
    }
  }
}

}  // namespace
}  // namespace panic::tda::internal
