// core/huge_pages.h: the advice reaches the kernel (the array ends up in 2 MiB pages where
// the kernel's THP mode lets a program ask), and ranges without a whole huge page are
// left alone.
#include "panic/core/huge_pages.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace panic::core {
namespace {

// The kernel's THP mode ("always", "madvise" or "never"), or "" where it has none.
std::string ThpMode() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  std::getline(f, line);
  const size_t open = line.find('['), close = line.find(']');
  return open == std::string::npos || close == std::string::npos ? "" : line.substr(open + 1, close - open - 1);
}

// The sum of an smaps field ("Size:", "Rss:", "AnonHugePages:"), in kB, over the mappings
// that overlap [p, p + bytes) (the advice splits a mapping at its 2 MiB boundaries).
long SmapsKb(const void* p, size_t bytes, const std::string& field) {
  std::ifstream f("/proc/self/smaps");
  const auto begin = reinterpret_cast<uintptr_t>(p), end = begin + bytes;
  std::string line;
  bool inside = false;
  long total = 0;
  while (std::getline(f, line)) {
    unsigned long lo = 0, hi = 0;
    char dash = 0;
    // A mapping's first line starts "lo-hi "; its fields start with a name and a colon.
    if (std::sscanf(line.c_str(), "%lx%c%lx ", &lo, &dash, &hi) == 3 && dash == '-') {
      inside = lo < end && begin < hi;
      continue;
    }
    if (!inside) continue;
    std::istringstream fields(line);
    std::string key;
    long kb = 0;
    fields >> key >> kb;
    if (key == field) total += kb;
  }
  return total;
}

// The kB in huge pages, and the kB mapped, of the mappings that overlap [p, p + bytes).
std::pair<long, long> HugeAndSizeKb(const void* p, size_t bytes) {
  return {SmapsKb(p, bytes, "AnonHugePages:"), SmapsKb(p, bytes, "Size:")};
}

TEST(HugePagesTest, AReservedArrayIsBackedByHugePagesWhereTheKernelAllows) {
  const std::string mode = ThpMode();
  if (mode != "madvise" && mode != "always") GTEST_SKIP() << "transparent huge pages are '" << mode << "' here";
  std::vector<float> v;
  ReserveHugePages(v, size_t{16} << 20);  // 64 MiB: at least 31 whole huge pages inside
  ASSERT_GE(v.capacity(), size_t{16} << 20);
  v.assign(size_t{16} << 20, 1.0f);  // first touch: faulted in as huge pages
  const auto [huge_kb, size_kb] = HugeAndSizeKb(v.data(), v.size() * sizeof(float));
  ASSERT_GT(size_kb, 0) << "no mapping holds the array";
  // Most of the 64 MiB; a few 2 MiB pages may be missing where none was free at once.
  EXPECT_GE(huge_kb, 32 * 1024) << "of " << size_kb << " kB";
}

TEST(HugePagesTest, AnArrayIsValueInitialisedInHugePagesWhereTheKernelAllows) {
  const size_t n = size_t{8} << 20;  // 64 MiB of 8-byte atomics, like the pivot table's keys
  HugePageArray<std::atomic<uint64_t>> a = MakeHugePageArray<std::atomic<uint64_t>>(n);
  for (size_t i = 0; i < n; i += 4099) ASSERT_EQ(a[i].load(), 0u) << i;
  a[n - 1].store(5);
  EXPECT_EQ(a[n - 1].load(), 5u);
  const std::string mode = ThpMode();
  if (mode != "madvise" && mode != "always") GTEST_SKIP() << "transparent huge pages are '" << mode << "' here";
  const auto [huge_kb, size_kb] = HugeAndSizeKb(a.get(), n * sizeof(uint64_t));
  EXPECT_GE(huge_kb, 32 * 1024) << "of " << size_kb << " kB";
}

TEST(HugePagesTest, RangesWithoutAWholeHugePageAreLeftAlone) {
  // No whole 2 MiB page inside: madvise is not called (it would fail with EINVAL on an
  // unaligned start), so these must simply return; and an array touched before the
  // advice keeps its contents.
  AdviseHugePages(nullptr, size_t{1} << 30);
  std::vector<uint8_t> small(4096, 7);
  AdviseHugePages(small.data(), small.size());
  AdviseHugePages(small.data() + 1, kHugePageBytes - 2);
  std::vector<uint8_t> big(size_t{8} << 20, 9);
  AdviseHugePages(big.data(), big.size());
  for (size_t i = 0; i < big.size(); i += 4096) ASSERT_EQ(big[i], 9);
  EXPECT_EQ(small[4095], 7);
}

TEST(HugePagesTest, MappedPagesAreAlignedZeroAndGivenBack) {
  const size_t bytes = 3 * kHugePageBytes + 12345;  // rounded up to four huge pages
  auto* p = static_cast<uint8_t*>(MapHugePages(bytes));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kHugePageBytes, 0u);
  for (size_t i = 0; i < bytes; i += 4096) ASSERT_EQ(p[i], 0) << i;  // fresh anonymous pages
  p[0] = 1;
  p[bytes - 1] = 2;  // the whole request is writable, to its last byte
  EXPECT_EQ(p[bytes - 1], 2);
  const auto [huge_kb, size_kb] = HugeAndSizeKb(p, bytes);
  EXPECT_GE(size_kb, 4 * 2048) << "the mapping holds the request rounded up to whole huge pages";
  const std::string mode = ThpMode();
  if (mode == "madvise" || mode == "always") {
    EXPECT_GE(huge_kb, 2048) << "of " << size_kb << " kB";
  }
  UnmapHugePages(p, bytes);
  EXPECT_EQ(HugeAndSizeKb(p, bytes).second, 0) << "the pages were given back";
  UnmapHugePages(nullptr, bytes);  // nothing to give back: a no-op
}

TEST(HugePagesTest, AHugePageVectorKeepsItsContentsAcrossBothKindsOfStorage) {
  // Grown one element at a time from operator new's storage (below kMapAt) through mapped
  // storage of several sizes (each growth copies into a new array and frees the old one).
  HugePageVector<uint32_t> v;
  const size_t n = 3 * HugePageAllocator<uint32_t>::kMapAt / sizeof(uint32_t) + 7;
  for (size_t i = 0; i < n; ++i) v.push_back(static_cast<uint32_t>(i * 2654435761u));
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(v[i], static_cast<uint32_t>(i * 2654435761u)) << i;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % kHugePageBytes, 0u) << "a large array is mapped";
  HugePageVector<uint32_t> small(1000, 5);
  EXPECT_EQ(small[999], 5u);
  HugePageVector<uint32_t>().swap(v);  // freed: the mapping goes back
  EXPECT_TRUE(v.empty());
  EXPECT_THROW(HugePageAllocator<uint64_t>().allocate(SIZE_MAX / 4), std::bad_array_new_length);
}

TEST(HugePagesTest, AMappedArrayTouchesNothingUntilWrittenAndGoesBackWithItsOwner) {
  const size_t n = 2 * kHugePageBytes / sizeof(uint64_t) + 5;  // three huge pages
  const uint64_t* at = nullptr;
  {
    const MappedHugePages<uint64_t> a(n);
    at = a.get();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(at) % kHugePageBytes, 0u);
    EXPECT_EQ(HugeAndSizeKb(at, n * sizeof(uint64_t)).second, 3 * 2048) << "the request in whole huge pages";
    EXPECT_EQ(SmapsKb(at, n * sizeof(uint64_t), "Rss:"), 0) << "no page touched before the first access";
    for (size_t i = 0; i < n; i += 512) ASSERT_EQ(a[i], 0u) << i;  // unwritten memory reads as zero
    for (size_t i = 0; i < n; ++i) a[i] = i * 2654435761u;
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(a.get()[i], i * 2654435761u) << i;
  }
  EXPECT_EQ(HugeAndSizeKb(at, n * sizeof(uint64_t)).second, 0) << "the pages were given back";
  EXPECT_THROW(MappedHugePages<uint64_t>(SIZE_MAX / 4), std::bad_array_new_length);
}

}  // namespace
}  // namespace panic::core
