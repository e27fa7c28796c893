// The random-number primitives under the dummy recipes: MT19937 with both seedings,
// CPython's random (seed, getrandbits, randint) and numpy's legacy random_sample,
// against published reference outputs, fixed values taken from Debian's Python, and
// /usr/bin/python3 itself as the oracle.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "fixtures/dummy/oracle_client.h"
#include "panic/models/dummy/mt19937.h"
#include "panic/models/dummy/numpy_random.h"
#include "panic/models/dummy/python_random.h"

namespace panic::models {
namespace {

using ::panic::testing::HaveDummyOracle;
using ::panic::testing::RunDummyOracle;
using ::panic::testing::ToHex;

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

TEST(Mt19937Test, InitGenrandMatchesStdMt19937) {
  for (uint32_t seed : {0U, 1U, 5489U, 123456789U, 4294967295U}) {
    Mt19937 ours;
    ours.InitGenrand(seed);
    std::mt19937 theirs(seed);  // std::mt19937's seeding is init_genrand
    for (int i = 0; i < 2000; ++i) ASSERT_EQ(ours.Next(), theirs()) << "seed " << seed << " output " << i;
  }
}

TEST(Mt19937Test, InitByArrayMatchesTheReferenceOutput) {
  // The first outputs of mt19937ar.out, Matsumoto and Nishimura's test vector for
  // init_by_array({0x123, 0x234, 0x345, 0x456}).
  const uint32_t key[] = {0x123, 0x234, 0x345, 0x456};
  Mt19937 mt;
  mt.InitByArray(key);
  const std::vector<uint32_t> expected = {1067595299U, 955945823U, 477289528U, 4107218783U, 4228976476U,
                                          3344332714U, 3355579695U, 227628506U, 810200273U, 2591290167U};
  for (uint32_t want : expected) EXPECT_EQ(mt.Next(), want);
}

TEST(PyAbsOfSumTest, IsTheExactMagnitudeOfTheSum) {
  EXPECT_EQ(PyAbsOfSum(0, 0), 0U);
  EXPECT_EQ(PyAbsOfSum(123, 456), 579U);
  EXPECT_EQ(PyAbsOfSum(-5, 3), 2U);
  EXPECT_EQ(PyAbsOfSum(-5, 10), 5U);
  EXPECT_EQ(PyAbsOfSum(-5, 5), 0U);
  EXPECT_EQ(PyAbsOfSum(kInt64Min, 0), uint64_t{1} << 63);
  EXPECT_EQ(PyAbsOfSum(kInt64Min, 5), (uint64_t{1} << 63) - 5);
  EXPECT_EQ(PyAbsOfSum(kInt64Max, 4294967295U), uint64_t{kInt64Max} + 4294967295U);  // beyond int64
  EXPECT_EQ(PyAbsOfSum(4294967290, 2000), 4294969290U);                                 // beyond 32 bits
}

TEST(PythonRandomTest, FixedValuesFromCPython) {
  // random.seed(42); [random.randint(0, 100) for _ in range(5)]
  PythonRandom a(42);
  for (int64_t want : {81, 14, 3, 94, 35}) EXPECT_EQ(a.RandInt(0, 100), want);
  // random.seed(2**40 + 7): a two-word key.
  PythonRandom b((uint64_t{1} << 40) + 7);
  for (uint32_t want : {2635837658U, 3209733218U, 3500038837U}) EXPECT_EQ(b.GetRandBits(32), want);
  // random.seed(-(2**32)) seeds with |n| = 2**32, the key {0, 1}.
  PythonRandom c(PyAbsOfSum(-(int64_t{1} << 32), 0));
  for (uint32_t want : {485306839U, 1508871100U, 1794561286U}) EXPECT_EQ(c.GetRandBits(32), want);
}

TEST(PythonRandomTest, RandBelowUsesTheBitLengthOfNAndRejects) {
  // randbelow(8) draws 4 bits (bit_length(8) = 4, not 3) and rejects 8..15, so it
  // consumes one 32-bit output per draw and agrees with a hand-rolled loop.
  PythonRandom r(7);
  Mt19937 mt;
  const uint32_t key[] = {7};
  mt.InitByArray(key);
  for (int i = 0; i < 200; ++i) {
    uint32_t want = mt.Next() >> 28;
    while (want >= 8) want = mt.Next() >> 28;
    ASSERT_EQ(r.RandBelow(8), want) << "draw " << i;
  }
}

TEST(PythonRandomTest, MatchesCPythonForManySeedsAndRanges) {
  if (!HaveDummyOracle()) GTEST_SKIP() << "/usr/bin/python3 with numpy and PIL is not available";
  const std::vector<int64_t> seeds = {0,          1,          2,          7,         42,         123,
                                      99999,      4294967295, 4294967296, 4294967297, int64_t{1} << 40,
                                      kInt64Max,  -1,         -2,         -123,       -(int64_t{1} << 32),
                                      kInt64Min + 1};
  const std::vector<std::pair<int64_t, int64_t>> ranges = {{0, 100},  {200, 255}, {0, 7},     {100, 999},
                                                           {1000, 9999}, {0, 1},  {5, 5},     {0, 255},
                                                           {-50, 50}, {0, 65535}, {0, 1000000007}};
  nlohmann::json requests = nlohmann::json::array();
  for (int64_t seed : seeds) {
    nlohmann::json rs = nlohmann::json::array();
    for (int rep = 0; rep < 5; ++rep) {
      for (const auto& [lo, hi] : ranges) rs.push_back({lo, hi});
    }
    requests.push_back({{"op", "randint"}, {"seed", seed}, {"ranges", rs}});
    for (int k : {1, 7, 13, 31, 32}) requests.push_back({{"op", "getrandbits"}, {"seed", seed}, {"k", k}, {"count", 50}});
  }
  const nlohmann::json answers = RunDummyOracle(requests);
  ASSERT_EQ(answers.size(), requests.size());
  size_t a = 0;
  for (int64_t seed : seeds) {
    const uint64_t abs_seed = PyAbsOfSum(seed, 0);
    PythonRandom r(abs_seed);
    size_t i = 0;
    for (int rep = 0; rep < 5; ++rep) {
      for (const auto& [lo, hi] : ranges) {
        EXPECT_EQ(r.RandInt(lo, hi), answers[a][i].get<int64_t>()) << "seed " << seed << " randint " << i;
        ++i;
      }
    }
    ++a;
    for (int k : {1, 7, 13, 31, 32}) {
      PythonRandom bits(abs_seed);
      for (int j = 0; j < 50; ++j) {
        EXPECT_EQ(bits.GetRandBits(k), answers[a][j].get<uint32_t>()) << "seed " << seed << " k " << k;
      }
      ++a;
    }
  }
}

TEST(NumpyLegacyRandomTest, FixedValuesFromNumpy) {
  // np.random.seed(0); np.random.random_sample(2)
  NumpyLegacyRandom a(0);
  EXPECT_EQ(a.RandomSample(), 0.5488135039273248);
  EXPECT_EQ(a.RandomSample(), 0.7151893663724195);
  NumpyLegacyRandom b(4294967295U);
  const double first = b.RandomSample();
  EXPECT_GT(first, 0.0976320);
  EXPECT_LT(first, 0.0976321);
}

TEST(NumpyLegacyRandomTest, MatchesNumpyForManySeeds) {
  if (!HaveDummyOracle()) GTEST_SKIP() << "/usr/bin/python3 with numpy and PIL is not available";
  const std::vector<uint32_t> seeds = {0, 1, 2, 1234, 44812, 65535, 2147483648U, 4294967295U};
  nlohmann::json requests = nlohmann::json::array();
  for (uint32_t seed : seeds) requests.push_back({{"op", "random_sample"}, {"seed", seed}, {"count", 1000}});
  const nlohmann::json answers = RunDummyOracle(requests);
  ASSERT_EQ(answers.size(), requests.size());
  for (size_t i = 0; i < seeds.size(); ++i) {
    NumpyLegacyRandom r(seeds[i]);
    std::vector<double> ours(1000);
    for (double& d : ours) d = r.RandomSample();
    EXPECT_EQ(ToHex(ours.data(), ours.size() * sizeof(double)), answers[i].get<std::string>()) << "seed " << seeds[i];
  }
}

}  // namespace
}  // namespace panic::models
