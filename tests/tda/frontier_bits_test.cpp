// The bit-packed coding of large frontier snapshots (rips_frontier_bits.h): every entry,
// coefficient and vertex comes back exactly, whatever the gaps (repeated indices, the
// escape for gaps far above the Rice parameter, parameters past 32 bits) and vertex widths;
// the writer fills exactly the bytes it announced; and the arena packs a frontier only
// where that is smaller than the varints (rips_snapshots.h).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "panic/tda/rips_frontier_bits.h"
#include "panic/tda/rips_snapshots.h"

namespace panic::tda::internal::reducer {
namespace {

enum class Gaps { kZero, kSmall, kRealistic, kEscapes, kHuge };

struct Case {
  std::vector<entry_t> v;
  std::vector<int32_t> at;
};

Case Make(std::mt19937_64& rng, size_t size, Gaps gaps, uint32_t vertex_bound, int modulus) {
  Case c;
  uint64_t index = rng() % 100000;
  std::geometric_distribution<uint64_t> realistic(1.0 / 30000);
  for (size_t i = 0; i < size; ++i) {
    if (i > 0) {
      switch (gaps) {
        case Gaps::kZero: break;
        case Gaps::kSmall: index += rng() % 5; break;
        case Gaps::kRealistic: index += 1 + realistic(rng); break;
        // Mostly small, one in 97 near 2^40: ≈ 100 times the parameter, so those escape.
        case Gaps::kEscapes: index += i % 97 == 0 ? (uint64_t{1} << 40) + rng() % 1000 : rng() % 8; break;
        // Gaps of 2^33–2^34: a parameter past 32 bits.
        case Gaps::kHuge: index += (uint64_t{1} << 33) + rng() % (uint64_t{1} << 32); break;
      }
    }
    c.v.push_back(MakeEntry(static_cast<index_t>(index), 1 + static_cast<uint32_t>(rng() % (modulus - 1))));
    c.at.push_back(static_cast<int32_t>(vertex_bound == 0 ? 0 : rng() % vertex_bound));
  }
  if (vertex_bound > 1 && size > 2) c.at[size / 2] = static_cast<int32_t>(vertex_bound - 1);  // the widest
  return c;
}

TEST(FrontierBitsTest, EntriesAndVerticesRoundTripExactly) {
  std::mt19937_64 rng(41);
  int cases = 0;
  for (size_t size : {size_t{1}, size_t{2}, size_t{17}, size_t{1000}, size_t{100000}}) {
    for (Gaps gaps : {Gaps::kZero, Gaps::kSmall, Gaps::kRealistic, Gaps::kEscapes, Gaps::kHuge}) {
      for (uint32_t vertex_bound : {0u, 10000u, 65536u, uint32_t{INT32_MAX}}) {
        for (int modulus : {2, 251}) {
          const Case c = Make(rng, size, gaps, vertex_bound, modulus);
          const bool unit = modulus == 2;
          const FrontierBits f = FrontierBits::For(c.v, c.at);
          if (gaps == Gaps::kHuge && size > 1) {
            EXPECT_GT(f.k, 32);
          }
          const size_t bytes = f.Size(c.v, unit);
          std::vector<uint8_t> buffer(bytes + 16, 0xA5);
          const uint8_t* end = PutFrontierBits(buffer.data(), f, c.v, c.at, unit);
          ASSERT_EQ(static_cast<size_t>(end - buffer.data()), bytes) << size << " entries";
          EXPECT_EQ(buffer[bytes], 0xA5) << "wrote past its size";
          std::vector<entry_t> v{MakeEntry(3, 1)};
          std::vector<int32_t> at{-1, -1};
          GetFrontierBits(buffer.data(), c.v.size(), unit, v, &at);
          ASSERT_EQ(v, c.v) << size << " entries, gaps " << static_cast<int>(gaps) << ", vertices < " << vertex_bound;
          ASSERT_EQ(at, c.at);
          GetFrontierBits(buffer.data(), c.v.size(), unit, v, nullptr);
          ASSERT_EQ(v, c.v);
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 5 * 5 * 4 * 2);
}

TEST(FrontierBitsTest, ArenaPacksAHeavyFrontierSmallerAndReadsItBack) {
  std::mt19937_64 rng(5);
  SnapshotDirectory directory(0);
  SnapshotArena arena(&directory);
  // A monster's frontier as at N = 10 000: sorted triangles ≈ 3·10⁴ apart, vertices < 10⁴.
  const Case heavy = Make(rng, 50000, Gaps::kRealistic, 10000, 2);
  const std::vector<entry_t> loose{MakeEntry(5, 1), MakeEntry(900, 1)};
  const size_t before = arena.bytes();
  const Published p = arena.Publish(7, 1.0f, DiamEntry{1.5f, MakeEntry(3, 1)}, heavy.v, &heavy.at, &loose);
  ASSERT_TRUE(static_cast<bool>(p));
  EXPECT_NE(directory.Get(p)->kind() & 8, 0u) << "not packed";
  const size_t varints = CodedSize(heavy.v, true, &heavy.at);
  const size_t held = arena.bytes() - before;
  EXPECT_LT(held, varints * 17 / 20) << "packed " << held << " bytes against " << varints << " as varints";
  std::vector<entry_t> v, got_loose;
  std::vector<int32_t> at;
  directory.DecodeV(p, v, &at, &got_loose);
  EXPECT_EQ(v, heavy.v);
  EXPECT_EQ(at, heavy.at);
  EXPECT_EQ(got_loose, loose);
  EXPECT_EQ(directory.Get(p)->pivot_coef(), 1u);
  EXPECT_EQ(directory.Column(p), 7u);

  // Small gaps and small vertices: varints of one byte each beat the packed parameters.
  const Case light = Make(rng, 20, Gaps::kSmall, 100, 3);
  const Published q = arena.Publish(8, 1.0f, DiamEntry{1.5f, MakeEntry(3, 2)}, light.v, &light.at);
  EXPECT_EQ(directory.Get(q)->kind() & 8, 0u) << "packed where varints are smaller";
  directory.DecodeV(q, v, &at);
  EXPECT_EQ(v, light.v);
  EXPECT_EQ(at, light.at);
  EXPECT_EQ(directory.Get(q)->pivot_coef(), 2u);
}

// The column's own simplex σ in its frontier is coded by its vertex alone (the reader knows
// σ): wherever it stands among the entries, packed or not, with loose entries or not, over
// Z/2 and Z/5; a σ with cursors at two places, or absent, is coded like any entry.
TEST(FrontierBitsTest, OwnSimplexIsCodedByItsVertexAndGivenBack) {
  std::mt19937_64 rng(9);
  SnapshotDirectory directory(0);
  SnapshotArena arena(&directory);
  int held = 0;
  for (size_t size : {size_t{1}, size_t{2}, size_t{5}, size_t{40}, size_t{5000}}) {
    for (int modulus : {2, 5}) {
      for (int where : {0, 1, 2, 3, 4}) {  // first, middle, last, twice, absent
        Case c = Make(rng, size, Gaps::kRealistic, 10000, modulus);
        const size_t at_place = where == 0 ? 0 : where == 1 ? size / 2 : size - 1;
        index_t sigma = IndexOf(c.v[at_place]);
        if (where == 3 && size >= 2) {
          sigma = IndexOf(c.v[size - 2]);
          c.v[size - 1] = MakeEntry(sigma, CoefOf(c.v[size - 1]));  // cursors at two places
        }
        if (where == 4) sigma = IndexOf(c.v.back()) + 1;
        const std::vector<entry_t> loose =
            size % 2 == 0 ? std::vector<entry_t>{} : std::vector<entry_t>{MakeEntry(11, 1), MakeEntry(12, 1)};
        const Published p = arena.Publish(9, 1.0f, DiamEntry{2.0f, MakeEntry(4, 3 % modulus)}, c.v, &c.at, &loose, sigma);
        ASSERT_TRUE(static_cast<bool>(p));
        const bool expect_self = where <= 2 || (where == 3 && size < 2);
        EXPECT_EQ(directory.Get(p)->holds_self(), expect_self) << size << " entries, case " << where;
        held += expect_self ? 1 : 0;
        std::vector<entry_t> v, got_loose;
        std::vector<int32_t> at;
        directory.DecodeV(p, v, &at, &got_loose, sigma);
        ASSERT_EQ(v, c.v) << size << " entries, case " << where << ", Z/" << modulus;
        ASSERT_EQ(at, c.at);
        ASSERT_EQ(got_loose, loose);
        EXPECT_EQ(directory.Get(p)->pivot_coef(), static_cast<uint32_t>(3 % modulus));
      }
    }
  }
  EXPECT_GT(held, 20);
}

// The light frontier that most columns publish — σ alone, or σ and one more — is smaller
// with σ given: its index took 6 bytes. In 4-byte units: the header (4), the kind and the
// count (1 + 1), then σ's vertex (2) — 8 bytes — against σ's entry and vertex (6 + 2):
// 14, 16 stored; with one more entry (a 6-byte gap and a 1-byte vertex) 15 → 16 against
// 19 → 20 (its gap to σ, 4 bytes, instead of σ's index).
TEST(FrontierBitsTest, LightFrontiersWithTheirOwnSimplexTakeLess) {
  SnapshotDirectory directory(0);
  ASSERT_EQ(directory.unit_bytes(), 4u);
  SnapshotArena arena(&directory);
  const index_t sigma = 166000000000;  // a triangle at N = 10 000: a 6-byte varint
  const std::vector<entry_t> alone{MakeEntry(sigma, 1)}, two{MakeEntry(sigma - 123456789, 1), MakeEntry(sigma, 1)};
  const std::vector<int32_t> at1{9876}, at2{17, 9876};
  auto bytes = [&](const std::vector<entry_t>& v, const std::vector<int32_t>& at, index_t given) {
    const Published a = arena.Publish(1, 1.0f, DiamEntry{2.0f, MakeEntry(4, 1)}, v, &at, nullptr, given);
    const Published b = arena.Publish(1, 1.0f, DiamEntry{2.0f, MakeEntry(4, 1)}, v, &at, nullptr, given);
    return (b.handle() - a.handle()) * directory.unit_bytes();  // the same block: a's bytes
  };
  EXPECT_EQ(bytes(alone, at1, sigma), 8u);
  EXPECT_EQ(bytes(alone, at1, -1), 16u);
  EXPECT_EQ(bytes(two, at2, sigma), 16u);
  EXPECT_EQ(bytes(two, at2, -1), 20u);
}

}  // namespace
}  // namespace panic::tda::internal::reducer
