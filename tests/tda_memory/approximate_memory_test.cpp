// Issue 18, honest memory of --approximate: the whole need of the sparse and the dense
// backend (sparse_rips_memory.h) is weighed against the memory limit once the kept edges
// are counted, before any list is allocated. This binary replaces the global operator new
// (a size header per block) to watch the live heap: a refused call must not have allocated
// anything of the edges' size, an accepted one runs at a limit equal to the estimate.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "panic/tda/rips.h"
#include "panic/tda/rips_sparse.h"
#include "panic/tda/sparse_rips_graph.h"
#include "panic/tda/sparse_rips_memory.h"
#include "panic/tda/sparse_rips_range.h"
#include "support/walk_cloud.h"

namespace {

std::atomic<size_t> g_live{0}, g_peak{0};
constexpr size_t kHeader = 16;  // keeps the block's alignment of 16

void* Allocate(size_t size) {
  void* p = std::malloc(size + kHeader);
  if (p == nullptr) return nullptr;
  *static_cast<size_t*>(p) = size;
  const size_t live = g_live.fetch_add(size, std::memory_order_relaxed) + size;
  size_t peak = g_peak.load(std::memory_order_relaxed);
  while (live > peak && !g_peak.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
  return static_cast<char*>(p) + kHeader;
}

void Release(void* p) noexcept {
  if (p == nullptr) return;
  char* block = static_cast<char*>(p) - kHeader;
  g_live.fetch_sub(*reinterpret_cast<size_t*>(block), std::memory_order_relaxed);
  std::free(block);
}

// The largest number of live heap bytes above the level at the start, during f().
template <class F>
size_t PeakDuring(F f) {
  const size_t start = g_live.load();
  g_peak.store(start);
  f();
  return g_peak.load() - start;
}

}  // namespace

void* operator new(size_t size) {
  void* p = Allocate(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return Allocate(size); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return Allocate(size); }
void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, size_t) noexcept { Release(p); }
void operator delete[](void* p, size_t) noexcept { Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Release(p); }

namespace panic::tda {
namespace {

using internal::ApproximateBackend;
using internal::ApproximateMemoryNeed;

// The need as the front end computes it (the same search, count and estimate).
ApproximateMemoryNeed NeedOf(const std::vector<float>& points, size_t n, size_t dim,
                             const RipsOptions& o, double eps, internal::KeptEdgeCount* out) {
  const internal::CloudMetric metric(points, n, dim, o.metric);
  internal::GreedyTree tree;
  size_t evaluations = 0;
  const std::vector<double> lambda =
      internal::GreedyInsertionRadii(metric, nullptr, &evaluations, &tree);
  auto search = internal::RangeSearchPays(n, evaluations)
                    ? internal::MakeRangeSearch(metric, lambda, tree, eps, o.threshold, o.threads)
                    : internal::MakeScreenSearch(metric, lambda, eps, o.threshold, o.threads);
  *out = search->Count();
  return internal::EstimateApproximateMemory(*out, n, o.maxdim, o.threads, search->ScratchBytes());
}

TEST(ApproximateMemoryTest, SparseNeedIsRefusedBeforeTheListsAndPassesAtTheEstimate) {
  const size_t n = 2000, dim = 768;
  const std::vector<float> points = testing::SphereWalkPoints(n, dim, 31, /*renormalise_state=*/false);
  RipsOptions o;
  o.maxdim = 2;
  o.threads = 2;
  internal::KeptEdgeCount count;
  const ApproximateMemoryNeed need = NeedOf(points, n, dim, o, 0.1, &count);
  ASSERT_GT(count.edges, 100000u);
  o.memory_limit_bytes = need.Sparse() - 1;
  Result<ApproximateDiagram> refused = Status::Internal("not run");
  const size_t refused_peak = PeakDuring([&] {
    refused = internal::ComputeApproximateRipsWith(points, n, dim, o, 0.1, ApproximateBackend::kSparse);
  });
  ASSERT_FALSE(refused.ok());
  const std::string msg = refused.status().message();
  EXPECT_NE(msg.find("n: at epsilon 0.1 the sparse filtration of 2000 points keeps"), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::to_string(count.edges) + " edges"), std::string::npos) << msg;
  EXPECT_NE(msg.find("which need " + core::ByteText(double(need.Sparse()))), std::string::npos) << msg;
  EXPECT_NE(msg.find("raise epsilon"), std::string::npos) << msg;
  // Nothing of the edges' size was allocated: the lists alone are 16 bytes per edge.
  EXPECT_LT(refused_peak, need.lists / 4) << "peak " << refused_peak << " lists " << need.lists;

  o.memory_limit_bytes = need.Sparse();
  Result<ApproximateDiagram> ran = Status::Internal("not run");
  const size_t peak = PeakDuring([&] {
    ran = internal::ComputeApproximateRipsWith(points, n, dim, o, 0.1, ApproximateBackend::kSparse);
  });
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  EXPECT_TRUE(ran->sparse_backend);
  EXPECT_EQ(ran->edges_kept, count.edges);
  EXPECT_GE(peak, need.lists);
  std::printf("sparse: %zu edges, estimate %zu bytes (lists %zu, cofacets %zu, blocks %zu, "
              "dim-0 edges %zu, rest %zu), peak live heap %zu bytes (refused call: %zu)\n",
              count.edges, need.Sparse(), need.lists, need.cofacets, need.blocks, need.edge_sort,
              need.fixed, peak, refused_peak);
}

TEST(ApproximateMemoryTest, DenseNeedCountsTheListsBesideTheMatrix) {
  const size_t n = 1200, dim = 768;
  const std::vector<float> points = testing::SphereWalkPoints(n, dim, 32, /*renormalise_state=*/false);
  RipsOptions o;
  o.maxdim = 2;
  o.threads = 2;
  internal::KeptEdgeCount count;
  const ApproximateMemoryNeed need = NeedOf(points, n, dim, o, 0.5, &count);
  o.memory_limit_bytes = need.Dense() - 1;
  auto refused = internal::ComputeApproximateRipsWith(points, n, dim, o, 0.5, ApproximateBackend::kDense);
  ASSERT_FALSE(refused.ok());
  const std::string msg = refused.status().message();
  EXPECT_NE(msg.find("needs at least " + core::ByteText(double(need.Dense()))), std::string::npos) << msg;
  o.memory_limit_bytes = need.Dense();
  Result<ApproximateDiagram> ran = Status::Internal("not run");
  const size_t peak = PeakDuring([&] {
    ran = internal::ComputeApproximateRipsWith(points, n, dim, o, 0.5, ApproximateBackend::kDense);
  });
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  EXPECT_FALSE(ran->sparse_backend);
  std::printf("dense: %zu edges, estimate %zu bytes, peak live heap %zu bytes\n", count.edges,
              need.Dense(), peak);
}

// The unit-sphere walk keeps every edge at every ε: the refusal says so plainly,
// with the edge count, the memory, and what the user can do. Here the count decides (the
// dense kernel would fit the limit, so the early sample check does not run).
TEST(ApproximateMemoryTest, NearlyCompleteCloudIsRefusedPlainly) {
  const size_t n = 1500, dim = 768;
  const std::vector<float> points = testing::SphereWalkPoints(n, dim, 33, /*renormalise_state=*/true);
  RipsOptions o;
  o.maxdim = 2;
  o.threads = 2;
  o.memory_limit_bytes = size_t{64} << 20;
  Result<ApproximateDiagram> refused = Status::Internal("not run");
  const size_t peak = PeakDuring([&] {
    refused = internal::ComputeApproximateRipsWith(points, n, dim, o, 0.1, ApproximateBackend::kSparse);
  });
  ASSERT_FALSE(refused.ok());
  const std::string msg = refused.status().message();
  EXPECT_NE(msg.find("1124250 edges (100.0 % of the pairs)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("keeps (almost) every edge"), std::string::npos) << msg;
  EXPECT_NE(msg.find("its exact diagram needs at least"), std::string::npos) << msg;
  EXPECT_NE(msg.find("options.exact_up_to"), std::string::npos) << msg;
  EXPECT_NE(msg.find("more than the memory limit of 64.0 MiB"), std::string::npos) << msg;
  EXPECT_LT(peak, size_t{1124250} * 16 / 4) << "peak " << peak;
  std::printf("%s\n", msg.c_str());
}

// Where not even the dense matrix fits and every pair kept would not fit either, a
// sample decides before the greedy permutation: the loopy cloud is refused at once
// (nothing of the pairs' size allocated), the projected walk, which thins out, is not.
TEST(ApproximateMemoryTest, SampleRefusesANearlyCompleteCloudBeforeTheGreedyPermutation) {
  const size_t n = 1500, dim = 768;
  RipsOptions o;
  o.maxdim = 2;
  o.threads = 2;
  o.memory_limit_bytes = size_t{8} << 20;  // below the 1500 × 1500 matrix (8.6 MiB)
  const std::vector<float> loopy = testing::SphereWalkPoints(n, dim, 34, /*renormalise_state=*/true);
  for (double eps : {0.1, 1.0, 3.0}) {
    Result<ApproximateDiagram> refused = Status::Internal("not run");
    const size_t peak = PeakDuring([&] { refused = ComputeApproximateRips(loopy, n, dim, o, eps); });
    ASSERT_FALSE(refused.ok()) << "eps " << eps;
    const std::string msg = refused.status().message();
    char head[96];
    std::snprintf(head, sizeof head, "n: at epsilon %g the sparse filtration of 1500 points keeps at least", eps);
    EXPECT_NE(msg.find(head), std::string::npos) << msg;
    EXPECT_NE(msg.find("(of a random sample of 256 points, 32640 of their 32640 pairs are surely kept, 100.0 %"), std::string::npos) << msg;
    EXPECT_NE(msg.find("keeps (almost) every edge"), std::string::npos) << msg;
    EXPECT_NE(msg.find("options.exact_up_to"), std::string::npos) << msg;
    EXPECT_LT(peak, size_t{1} << 20) << "peak " << peak;  // the sample's 256² distances and O(n)
    if (eps == 0.1) std::printf("%s\n", msg.c_str());
  }

  // The projected walk keeps few edges at ε = 1: the sample does not refuse it, and it runs.
  const std::vector<float> path = testing::SphereWalkPoints(n, dim, 35, /*renormalise_state=*/false);
  auto ran = ComputeApproximateRips(path, n, dim, o, 1.0);
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  EXPECT_TRUE(ran->sparse_backend);
  std::printf("projected walk n=%zu eps=1: %zu edges kept (%.1f %%)\n", n, ran->edges_kept,
              100.0 * double(ran->edges_kept) / double(ran->edges_total));
}

}  // namespace
}  // namespace panic::tda
