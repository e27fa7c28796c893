// The pivot table's 32-bit owners (rips_reducer_types.h, Published and SnapshotDirectory):
// a snapshot's handle (a block number and an offset) finds exactly what was published,
// from every worker's arena, in every unit size and across outsized blocks; a full
// directory refuses cleanly and leaves what it holds readable; a column past 2^31 is
// stored rather than packed. And on real reductions: an inline owner's pivot coefficient,
// recomputed from the two simplices, is the one the reduction found (Z/3, Z/5: −1 is not
// 1), and a directory too small for a dimension's snapshots makes the reducer redo it
// with larger units, with the same pairs and diagram.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips_reducer.h"
#include "panic/tda/rips_reducer_types.h"
#include "panic/tda/rips_snapshots.h"
#include "tda/tda_oracle_helpers.h"

namespace panic::tda::internal::reducer {
namespace {

// A V of `size` ascending indices (gaps up to 2^40), coefficients in 1..modulus − 1.
std::vector<entry_t> RandomV(std::mt19937_64& rng, size_t size, int modulus) {
  std::vector<entry_t> v;
  uint64_t index = rng() % 1000;
  for (size_t k = 0; k < size; ++k) {
    v.push_back(MakeEntry(static_cast<index_t>(index), 1 + static_cast<uint32_t>(rng() % (modulus - 1))));
    index += 1 + (k % 3 == 0 ? rng() % (uint64_t{1} << 40) : rng() % 64);
  }
  return v;
}

struct Published1 {
  Published owner;
  uint32_t column;
  float pivot_diam;
  uint32_t pivot_coef;
  std::vector<entry_t> v;
};

// Publishes `count` columns from `arena`, some with a V larger than a block.
std::vector<Published1> PublishSome(SnapshotArena& arena, uint64_t seed, int count, size_t large, int modulus) {
  std::mt19937_64 rng(seed);
  std::vector<Published1> out;
  for (int k = 0; k < count; ++k) {
    Published1 p;
    p.column = static_cast<uint32_t>(seed * 100000 + static_cast<uint64_t>(k));
    p.pivot_diam = 1.0f + 0.25f * static_cast<float>(k % 5);
    p.pivot_coef = 1 + static_cast<uint32_t>(k % (modulus - 1));
    p.v = RandomV(rng, k % 97 == 13 ? large : rng() % 20, modulus);
    p.owner = arena.Publish(p.column, 0.5f, DiamEntry{p.pivot_diam, MakeEntry(k + 1, p.pivot_coef)}, p.v);
    if (!p.owner) break;
    out.push_back(std::move(p));
  }
  return out;
}

void ExpectReadable(const SnapshotDirectory& directory, const std::vector<Published1>& published) {
  std::vector<entry_t> v;
  for (const Published1& p : published) {
    ASSERT_TRUE(static_cast<bool>(p.owner));
    ASSERT_FALSE(p.owner.is_inline());
    EXPECT_EQ(directory.Column(p.owner), p.column);
    EXPECT_EQ(directory.Get(p.owner)->pivot_coef(), p.pivot_coef);
    directory.DecodeV(p.owner, v);
    ASSERT_EQ(v, p.v) << "column " << p.column;
  }
}

// Two workers' arenas publishing at once into one directory: every handle resolves to its
// own snapshot, whatever the unit size and block size, outsized blocks included.
TEST(SnapshotArenaHandleTest, HandlesRoundTripFromEveryArena) {
  for (int unit_shift : {0, 1, 3}) {
    for (int block_shift : {SnapshotDirectory::kBlockShift, 6}) {
      SnapshotDirectory directory(unit_shift, block_shift);
      SnapshotArena a(&directory), b(&directory);
      std::vector<Published1> pa, pb;
      std::thread other([&] { pb = PublishSome(b, 2, 3000, 40000, 3); });
      pa = PublishSome(a, 1, 3000, 40000, 3);
      other.join();
      ASSERT_EQ(pa.size(), 3000u);
      ASSERT_EQ(pb.size(), 3000u);
      EXPECT_FALSE(directory.full());
      ExpectReadable(directory, pa);
      ExpectReadable(directory, pb);
      for (const auto& p : pa) {
        for (int k = 0; k < 3; ++k) EXPECT_FALSE(p.owner == pb[static_cast<size_t>(k)].owner);
      }
    }
  }
}

// A directory of 3 usable block numbers of 64 units: publishing past them fails without
// storing anything, from then on for any snapshot that needs a block (one that still fits
// the arena's last block may go there: the reducer stops at full() either way), and every
// snapshot published before stays readable.
TEST(SnapshotArenaHandleTest, FullDirectoryRefusesAndKeepsWhatItHolds) {
  SnapshotDirectory directory(0, 6, 4);
  SnapshotArena arena(&directory);
  const std::vector<Published1> published = PublishSome(arena, 3, 100000, 50, 2);
  EXPECT_TRUE(directory.full());
  EXPECT_GT(published.size(), 3u);
  EXPECT_LT(published.size(), 200u);
  ExpectReadable(directory, published);
  const size_t bytes = arena.bytes();
  EXPECT_LE(bytes, 3u * 64 * 8 + 64 * 8);  // three blocks, or two and one outsized
  std::mt19937_64 more(5);
  const std::vector<entry_t> v = RandomV(more, 1000, 2);  // > 512 bytes: a block of its own
  EXPECT_FALSE(static_cast<bool>(arena.Publish(7, 0.5f, DiamEntry{1.0f, MakeEntry(9, 1)}, v)));
  EXPECT_EQ(arena.bytes(), bytes);
  // An inline owner needs no block.
  EXPECT_TRUE(arena.Publish(7, 1.0f, DiamEntry{1.0f, MakeEntry(9, 1)}, {}).is_inline());
  // A snapshot larger than all the block numbers left is refused too.
  SnapshotDirectory small(0, 6, 4);
  SnapshotArena one(&small);
  std::mt19937_64 rng(4);
  EXPECT_FALSE(static_cast<bool>(one.Publish(1, 0.5f, DiamEntry{1.0f, MakeEntry(2, 1)}, RandomV(rng, 2000, 2))));
  EXPECT_TRUE(small.full());
}

// Snapshots of a sixteenth of a block or more get memory of their own: large ones
// between small ones leave no block tails unused (each of these, 0.57 block, used to
// start a new block and strand the rest of the last one), and all stay readable.
TEST(SnapshotArenaHandleTest, LargeSnapshotsLeaveNoBlockTailsUnused) {
  SnapshotDirectory directory(0);
  SnapshotArena arena(&directory);
  const size_t block_bytes = directory.block_units() * directory.unit_bytes();
  std::mt19937_64 rng(11);
  std::vector<Published1> published;
  std::vector<entry_t> large;
  // 0.57 of a block (600 000 entries in a block of 2^20 bytes).
  const size_t entries = block_bytes * 4 / 7;
  for (uint64_t k = 0; k < entries; ++k) large.push_back(MakeEntry(static_cast<index_t>(1000 + k), 1));
  const size_t large_bytes = 8 + entries + 16;  // header, a byte an entry (gaps of 1), varints
  ASSERT_LT(large_bytes, block_bytes);
  ASSERT_GE(large_bytes, block_bytes / 16);
  const int rounds = 8;
  for (int round = 0; round < rounds; ++round) {
    for (int k = 0; k < 100; ++k) {
      Published1 p;
      p.column = static_cast<uint32_t>(round * 1000 + k);
      p.pivot_diam = 1.0f;
      p.pivot_coef = 1;
      p.v = RandomV(rng, 5, 2);
      p.owner = arena.Publish(p.column, 0.5f, DiamEntry{1.0f, MakeEntry(1, 1)}, p.v);
      published.push_back(std::move(p));
    }
    Published1 p;
    p.column = static_cast<uint32_t>(round * 1000 + 999);
    p.pivot_diam = 2.0f;
    p.pivot_coef = 1;
    p.v = large;
    p.owner = arena.Publish(p.column, 0.5f, DiamEntry{2.0f, MakeEntry(1, 1)}, p.v);
    published.push_back(std::move(p));
  }
  ExpectReadable(directory, published);
  EXPECT_FALSE(directory.full());
  // The large ones exactly, the 800 small ones in one block (≤ 40 bytes each).
  EXPECT_LE(arena.bytes(), rounds * large_bytes + block_bytes);
  EXPECT_GE(arena.bytes(), rounds * (large_bytes - 16));
}

// A frontier snapshot (Snapshot::kFrontier) gives back its simplices, for each the vertex
// it was published with (0 up to 2^31 − 1), and its loose entries (none, one, many), from
// every unit size, with unit and general coefficients; an empty frontier is stored, never
// inline; V-only readers get the simplices alone.
TEST(SnapshotArenaHandleTest, FrontierRoundTripsItsVerticesAndLooseEntries) {
  struct Frontier {
    Published owner;
    std::vector<entry_t> v, loose;
    std::vector<int32_t> at;
  };
  for (int unit_shift : {0, 2}) {
    for (int modulus : {2, 5}) {
      SnapshotDirectory directory(unit_shift, 6);
      SnapshotArena arena(&directory);
      std::mt19937_64 rng(static_cast<uint64_t>(7 + unit_shift + modulus));
      std::vector<Frontier> published;
      for (size_t size : {size_t{0}, size_t{1}, size_t{37}, size_t{5000}}) {
        for (size_t loose : {size_t{0}, size_t{1}, size_t{300}}) {
          Frontier f;
          f.v = RandomV(rng, size, modulus);
          f.loose = RandomV(rng, loose, modulus);
          for (size_t k = 0; k < size; ++k) {
            f.at.push_back(k % 5 == 0 ? 0 : k % 7 == 0 ? INT32_MAX : static_cast<int32_t>(rng() % 70000));
          }
          f.owner = arena.Publish(3, 1.0f, DiamEntry{1.0f, MakeEntry(9, 1)}, f.v, &f.at, &f.loose);
          ASSERT_TRUE(static_cast<bool>(f.owner));
          ASSERT_FALSE(f.owner.is_inline()) << "size " << size;
          published.push_back(std::move(f));
        }
      }
      for (const Frontier& f : published) {
        EXPECT_TRUE(directory.Get(f.owner)->frontier());
        std::vector<entry_t> v, loose{MakeEntry(1, 1)};
        std::vector<int32_t> at{-1};
        directory.DecodeV(f.owner, v, &at, &loose);
        EXPECT_EQ(v, f.v);
        EXPECT_EQ(at, f.at);
        EXPECT_EQ(loose, f.loose);
        directory.DecodeV(f.owner, v);
        EXPECT_EQ(v, f.v);
      }
      // A V snapshot beside them: no frontier, and no vertices or loose entries read back.
      const std::vector<entry_t> plain = RandomV(rng, 10, modulus);
      const Published q = arena.Publish(4, 0.5f, DiamEntry{1.0f, MakeEntry(9, 1)}, plain);
      EXPECT_FALSE(directory.Get(q)->frontier());
      std::vector<entry_t> v, loose{MakeEntry(1, 1)};
      std::vector<int32_t> at{5, 6};
      directory.DecodeV(q, v, &at, &loose);
      EXPECT_EQ(v, plain);
      EXPECT_TRUE(at.empty());
      EXPECT_TRUE(loose.empty());
    }
  }
}

// A column number past 2^31 − 1 cannot be packed: with V empty and its pivot at its own
// diameter it is stored as a snapshot, which gives it back whole.
TEST(SnapshotArenaHandleTest, ColumnPastInlineRangeIsStored) {
  SnapshotDirectory directory(0);
  SnapshotArena arena(&directory);
  for (uint32_t column : {Published::kMaxInlineColumn + 1, ~uint32_t{0}}) {
    const Published p = arena.Publish(column, 1.0f, DiamEntry{1.0f, MakeEntry(5, 2)}, {});
    ASSERT_FALSE(p.is_inline());
    EXPECT_EQ(directory.Column(p), column);
    EXPECT_EQ(directory.Get(p)->pivot_coef(), 2u);
  }
  EXPECT_TRUE(arena.Publish(Published::kMaxInlineColumn, 1.0f, DiamEntry{1.0f, MakeEntry(5, 2)}, {}).is_inline());
}

ReducerOptions Maxdim(const DistanceMatrix& d, int maxdim, int modulus, int threads) {
  ReducerOptions r;
  r.maxdim = maxdim;
  r.modulus = modulus;
  r.threads = threads;
  r.threshold = EnclosingRadius(d);
  return r;
}

// The reductions the inline-owner tests run: a noisy torus at maxdim 2 and a sphere
// sample at maxdim 3 (4-vertex columns), with their distances.
struct OwnerCase {
  size_t n;
  int maxdim;
  DistanceMatrix d;
};
std::vector<OwnerCase> OwnerCases() {
  std::vector<OwnerCase> cases;
  for (const auto& [cloud, maxdim] : {std::pair{testing::NoisyTorus(160, 0.03, 7), 2},
                                      std::pair{testing::SphereSample(40, 8), 3}}) {
    cases.push_back({cloud.n, maxdim, EuclideanDistances(cloud.values, cloud.n, cloud.dim, 1)});
  }
  return cases;
}

// On real reductions (dimensions 1–3, 1 and 2 threads, shuffled orders): every inline
// owner's pivot coefficient as recomputed equals the one the reduction found, and both
// signs occur. (With the sign wrong, adding the owner doubles the pivot's coefficient
// instead of cancelling it, and over Z/3 or Z/5 the column never ends: the reduction
// hangs rather than fails, so this test names the cause when it does not.)
TEST(RipsInlineOwnerTest, RecomputedCoefficientIsTheFoundOne) {
  for (const OwnerCase& c : OwnerCases()) {
    for (int modulus : {3, 5}) {
      for (int threads : {1, 2}) {
        for (uint64_t shuffle : {uint64_t{0}, uint64_t{7}}) {
          ReducerOptions r = Maxdim(c.d, c.maxdim, modulus, threads);
          r.shuffle_columns = shuffle;
          const auto coefs = InlineOwnerCoefs(c.d, r);
          ASSERT_GT(coefs.size(), 100u);
          size_t minus_one = 0;
          for (const auto& [found, recomputed] : coefs) {
            ASSERT_EQ(recomputed, found) << "n=" << c.n << " modulus=" << modulus << " threads=" << threads;
            minus_one += found == static_cast<uint32_t>(modulus - 1);
          }
          EXPECT_GT(minus_one, 0u);
          EXPECT_LT(minus_one, coefs.size());
        }
      }
    }
  }
}

// A first directory far too small for the snapshots (3 block numbers of 16 units): the
// reducer drops each dimension's work and redoes it (with 8-byte units); the pairs and
// the diagram are those of the default directory (Z/2 and Z/3, 1 and 2 threads,
// shuffled, maxdim 3).
TEST(RipsInlineOwnerTest, FullDirectoryRedoesTheDimensionWithTheSamePairs) {
  for (const OwnerCase& c : OwnerCases()) {
    for (int modulus : {2, 3}) {
      for (int threads : {1, 2}) {
        ReducerOptions r = Maxdim(c.d, c.maxdim, modulus, threads);
        r.shuffle_columns = threads == 2 ? 11 : 0;
        const auto pairs = ReducedPairs(c.d, r, c.maxdim);
        const Diagram diagram = ReduceRips(c.d, r);
        ASSERT_FALSE(pairs.empty());
        r.snapshot_block_shift = 4;
        r.snapshot_blocks = 4;
        EXPECT_EQ(ReducedPairs(c.d, r, c.maxdim), pairs) << "n=" << c.n << " modulus=" << modulus;
        EXPECT_EQ(ReduceRips(c.d, r), diagram) << "n=" << c.n << " modulus=" << modulus;
      }
    }
  }
}

// A dimension of many columns starts with 8-byte snapshot units (ReducerOptions::
// four_byte_unit_columns; 0 here: every dimension): the same pairs and diagram, also when
// that first directory is too small and the dimension is redone with 16-byte units.
TEST(RipsInlineOwnerTest, EightByteFirstUnitsGiveTheSamePairs) {
  for (const OwnerCase& c : OwnerCases()) {
    for (int modulus : {2, 3}) {
      ReducerOptions r = Maxdim(c.d, c.maxdim, modulus, 2);
      r.shuffle_columns = 5;
      const auto pairs = ReducedPairs(c.d, r, c.maxdim);
      const Diagram diagram = ReduceRips(c.d, r);
      r.four_byte_unit_columns = 0;
      EXPECT_EQ(ReducedPairs(c.d, r, c.maxdim), pairs) << "n=" << c.n << " modulus=" << modulus;
      EXPECT_EQ(ReduceRips(c.d, r), diagram) << "n=" << c.n << " modulus=" << modulus;
      r.snapshot_block_shift = 4;
      r.snapshot_blocks = 4;
      EXPECT_EQ(ReducedPairs(c.d, r, c.maxdim), pairs) << "n=" << c.n << " modulus=" << modulus;
    }
  }
}

}  // namespace
}  // namespace panic::tda::internal::reducer
