#include "panic/tda/sparse_rips_apparent.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "panic/core/parallel.h"

namespace panic::tda::internal {
namespace {

constexpr size_t kGrain = 64;  // vertices per ParallelFor chunk (at most one group)
// A group grows while U holds at most kGroupGrowth × |N(a) ∪ {a}| of its first a (or
// kGroupSlack) vertices: its block then costs at most kGroupGrowth² × a single one's.
constexpr size_t kGroupGrowth = 2;
constexpr size_t kGroupSlack = 256;

// The largest j in [1, hi] with rows[q][j] ≤ d for all q < M, or 0. Column 0 of every
// row is a scratch slot (vertices outside the block are scattered there) and is never
// read.
template <int M>
int ScanDownScalar(const float* const* rows, int hi, float d) {
  for (int j = hi; j >= 1; --j) {
    bool ok = true;
    for (int q = 0; q < M && ok; ++q) ok = rows[q][j] <= d;
    if (ok) return j;
  }
  return 0;
}

template <int M>
__attribute__((target("avx512f"))) int ScanDownAvx512(const float* const* rows, int hi,
                                                      float d) {
  const __m512 vd = _mm512_set1_ps(d);
  int j = hi;
  for (; j >= 16; j -= 16) {  // the block [j − 15, j]
    __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(rows[0] + j - 15), vd, _CMP_LE_OQ);
    for (int q = 1; q < M && m; ++q) {
      m &= _mm512_cmp_ps_mask(_mm512_loadu_ps(rows[q] + j - 15), vd, _CMP_LE_OQ);
    }
    if (m) return j - 15 + (31 - __builtin_clz(static_cast<unsigned>(m)));
  }
  return ScanDownScalar<M>(rows, j, d);
}

template <int M>
__attribute__((target("avx2"))) int ScanDownAvx2(const float* const* rows, int hi, float d) {
  const __m256 vd = _mm256_set1_ps(d);
  int j = hi;
  for (; j >= 8; j -= 8) {  // the block [j − 7, j]
    unsigned m = 0xFFu;
    for (int q = 0; q < M && m; ++q) {
      const __m256 le = _mm256_cmp_ps(_mm256_loadu_ps(rows[q] + j - 7), vd, _CMP_LE_OQ);
      m &= static_cast<unsigned>(_mm256_movemask_ps(le));
    }
    if (m) return j - 7 + (31 - __builtin_clz(m));
  }
  return ScanDownScalar<M>(rows, j, d);
}

template <int M>
int ScanDown(SimdLevel level, const float* const* rows, int hi, float d) {
  switch (level) {
    case SimdLevel::kAvx512: return ScanDownAvx512<M>(rows, hi, d);
    case SimdLevel::kAvx2: return ScanDownAvx2<M>(rows, hi, d);
    default: return ScanDownScalar<M>(rows, hi, d);
  }
}

// The triangle test of the pass below on sixteen consecutive lower neighbours c of a at
// once, for one b: the lanes it settles as "no column" are those without an edge
// {b, c}, those apparent with an edge containing a, and those whose tetrahedron with
// the bound's cofacet (the zero-pivot cofacet of {a, c} or {a, b}) is their zero-apparent
// cofacet. Every other lane gets the full scalar test.
struct TriangleLanes {
  const int* position;      // per lower neighbour i of a: its position in U
  const float* length;      // |a c|
  const uint32_t* vertex;   // c
  const uint32_t* cofacet;  // the zero-pivot cofacet vertex of {a, c}, or kNone
  const int* x_pos;         // its position (0 when none)
  const float* x_to_a;      // its lengths to a and to c
  const float* x_to_c;
  const float* matrix;      // the block's rows, `stride` apart
  int stride;
  const uint32_t* vertex_of;  // U's vertices by position
  int m;
};
struct TriangleRow {
  const float* row_b;
  float dab;
  uint32_t vb, eab;  // b and the cofacet vertex of {a, b}
  int xpos_b;        // its position, and its lengths to a and to b
  float xa_b, xb_b;
  uint32_t a;
};

// GCC 12's AVX-512 headers fill the unused pass-through operand of the unmasked forms
// with _mm512_undefined_*(), which -Wuninitialized reports once inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
__attribute__((target("avx512f"))) unsigned SettleSixteen(const TriangleLanes& t,
                                                         const TriangleRow& r, size_t i0) {
  const __m512i pc = _mm512_loadu_si512(t.position + i0);
  const __m512 dbc = _mm512_i32gather_ps(pc, r.row_b, 4);
  const __mmask16 present = _mm512_cmp_ps_mask(dbc, dbc, _CMP_ORD_Q);
  const __m512 dac = _mm512_loadu_ps(t.length + i0);
  const __m512 dab = _mm512_set1_ps(r.dab);
  const __m512 d = _mm512_max_ps(dab, _mm512_max_ps(dac, dbc));
  const __mmask16 bc_max = _mm512_cmp_ps_mask(dbc, d, _CMP_EQ_OQ);
  const __mmask16 ac_max = _mm512_cmp_ps_mask(dac, d, _CMP_EQ_OQ);
  const __mmask16 ab_max = _mm512_cmp_ps_mask(dab, d, _CMP_EQ_OQ);
  const __m512i eac = _mm512_loadu_si512(t.cofacet + i0);
  const __m512i vc = _mm512_loadu_si512(t.vertex + i0);
  const __m512i none = _mm512_set1_epi32(static_cast<int>(EdgeCofacets::kNone));
  // Apparent with {a, c} (its cofacet is b) or with {a, b} (its cofacet is c).
  const __mmask16 with_edge =
      present & ~bc_max &
      ((ac_max & _mm512_cmpeq_epi32_mask(eac, _mm512_set1_epi32(static_cast<int>(r.vb)))) |
       (~ac_max & _mm512_cmpeq_epi32_mask(vc, _mm512_set1_epi32(static_cast<int>(r.eab)))));
  // The bound: the lower of the cofacet positions of the edges {a, b}, {a, c} of
  // diameter d; x is the bound's vertex when it is within d of the third vertex.
  const __m512i xpi = _mm512_loadu_si512(t.x_pos + i0);
  const __m512i m = _mm512_set1_epi32(t.m);
  const __m512i xpj = _mm512_set1_epi32(r.xpos_b);
  const __m512i hi = _mm512_min_epi32(_mm512_mask_blend_epi32(ab_max, m, xpj),
                                      _mm512_mask_blend_epi32(ac_max, m, xpi));
  const __mmask16 ab_none = r.eab == EdgeCofacets::kNone ? ab_max : 0;
  const __mmask16 has = present & ~with_edge & ~ab_none &
                        ~(ac_max & _mm512_cmpeq_epi32_mask(eac, none));
  const __mmask16 via_ac = has & ac_max & _mm512_cmpeq_epi32_mask(hi, xpi);
  const __mmask16 via_ab = has & ~via_ac & ab_max & _mm512_cmpeq_epi32_mask(hi, xpj);
  // via {a, c}: x's lengths to a and c are known, to b is row b at x.
  const __m512 xb_ac = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), via_ac, hi, r.row_b, 4);
  // via {a, b}: to a and b known, to c is row c at x.
  const __m512i at = _mm512_add_epi32(
      _mm512_mullo_epi32(_mm512_sub_epi32(pc, _mm512_set1_epi32(1)), _mm512_set1_epi32(t.stride)), hi);
  const __m512 xc_ab = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), via_ab, at, t.matrix, 4);
  const __m512 xa = _mm512_mask_blend_ps(via_ac, _mm512_set1_ps(r.xa_b), _mm512_loadu_ps(t.x_to_a + i0));
  const __m512 xb = _mm512_mask_blend_ps(via_ac, _mm512_set1_ps(r.xb_b), xb_ac);
  const __m512 xc = _mm512_mask_blend_ps(via_ac, xc_ab, _mm512_loadu_ps(t.x_to_c + i0));
  const __mmask16 found = (via_ac & _mm512_cmp_ps_mask(xb, d, _CMP_LE_OQ)) |
                          (via_ab & _mm512_cmp_ps_mask(xc, d, _CMP_LE_OQ));
  const __m512i x = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), found, hi, t.vertex_of, 4);
  // The tetrahedron's zero-pivot facet is the triangle when every vertex above x,
  // removed, leaves a smaller diameter (vertices are below 2³¹: signed compares).
  const __mmask16 below_a = _mm512_cmplt_epi32_mask(x, _mm512_set1_epi32(static_cast<int>(r.a)));
  const __mmask16 below_b = _mm512_cmplt_epi32_mask(x, _mm512_set1_epi32(static_cast<int>(r.vb)));
  const __mmask16 below_c = _mm512_cmplt_epi32_mask(x, vc);
  const __mmask16 without_a = _mm512_cmp_ps_mask(_mm512_max_ps(dbc, _mm512_max_ps(xb, xc)), d, _CMP_LT_OQ);
  const __mmask16 without_b = _mm512_cmp_ps_mask(_mm512_max_ps(dac, _mm512_max_ps(xa, xc)), d, _CMP_LT_OQ);
  const __mmask16 without_c = _mm512_cmp_ps_mask(_mm512_max_ps(dab, _mm512_max_ps(xa, xb)), d, _CMP_LT_OQ);
  const __mmask16 facet = found & (~below_a | without_a) & (~below_a | ~below_b | without_b) &
                          (~below_a | ~below_b | ~below_c | without_c);
  return static_cast<unsigned>(~present | with_edge | facet) & 0xffffu;
}
#pragma GCC diagnostic pop

// SettleSixteen on eight lanes, for CPUs with AVX2 and no AVX-512: the same steps, with
// lane masks held as all-ones lanes (AVX2 has no mask registers) and turned into bits at
// the end. maxps returns its second operand where either is NaN, as in the AVX-512 form.
__attribute__((target("avx2"))) inline __m256i LanesLessOrEqual(__m256 x, __m256 y) {
  return _mm256_castps_si256(_mm256_cmp_ps(x, y, _CMP_LE_OQ));
}
__attribute__((target("avx2"))) inline __m256i LanesLess(__m256 x, __m256 y) {
  return _mm256_castps_si256(_mm256_cmp_ps(x, y, _CMP_LT_OQ));
}
__attribute__((target("avx2"))) inline __m256i LanesEqual(__m256 x, __m256 y) {
  return _mm256_castps_si256(_mm256_cmp_ps(x, y, _CMP_EQ_OQ));
}
__attribute__((target("avx2"))) inline __m256i LanesEqual(__m256i x, uint32_t y) {
  return _mm256_cmpeq_epi32(x, _mm256_set1_epi32(static_cast<int>(y)));
}
// (¬a) ∨ b
__attribute__((target("avx2"))) inline __m256i NotOr(__m256i a, __m256i b) {
  return _mm256_or_si256(_mm256_xor_si256(a, _mm256_set1_epi32(-1)), b);
}

__attribute__((target("avx2"))) unsigned SettleEight(const TriangleLanes& t, const TriangleRow& r, size_t i0) {
  const __m256i pc = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.position + i0));
  const __m256 dbc = _mm256_i32gather_ps(r.row_b, pc, 4);
  const __m256i present = _mm256_castps_si256(_mm256_cmp_ps(dbc, dbc, _CMP_ORD_Q));
  const __m256 dac = _mm256_loadu_ps(t.length + i0);
  const __m256 dab = _mm256_set1_ps(r.dab);
  const __m256 d = _mm256_max_ps(dab, _mm256_max_ps(dac, dbc));
  const __m256i bc_max = LanesEqual(dbc, d), ac_max = LanesEqual(dac, d), ab_max = LanesEqual(dab, d);
  const __m256i eac = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.cofacet + i0));
  const __m256i vc = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.vertex + i0));
  // Apparent with {a, c} (its cofacet is b) or with {a, b} (its cofacet is c).
  const __m256i with_edge = _mm256_andnot_si256(
      bc_max, _mm256_and_si256(present, _mm256_or_si256(_mm256_and_si256(ac_max, LanesEqual(eac, r.vb)),
                                                        _mm256_andnot_si256(ac_max, LanesEqual(vc, r.eab)))));
  // The bound, as in SettleSixteen.
  const __m256i xpi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.x_pos + i0));
  const __m256i m = _mm256_set1_epi32(t.m);
  const __m256i xpj = _mm256_set1_epi32(r.xpos_b);
  const __m256i hi = _mm256_min_epi32(_mm256_blendv_epi8(m, xpj, ab_max), _mm256_blendv_epi8(m, xpi, ac_max));
  const __m256i ab_none = r.eab == EdgeCofacets::kNone ? ab_max : _mm256_setzero_si256();
  const __m256i has = _mm256_andnot_si256(
      _mm256_or_si256(_mm256_or_si256(with_edge, ab_none),
                      _mm256_and_si256(ac_max, LanesEqual(eac, EdgeCofacets::kNone))),
      present);
  const __m256i via_ac = _mm256_and_si256(_mm256_and_si256(has, ac_max), _mm256_cmpeq_epi32(hi, xpi));
  const __m256i via_ab =
      _mm256_andnot_si256(via_ac, _mm256_and_si256(_mm256_and_si256(has, ab_max), _mm256_cmpeq_epi32(hi, xpj)));
  const __m256 zero = _mm256_setzero_ps();
  // via {a, c}: x's lengths to a and c are known, to b is row b at x.
  const __m256 xb_ac = _mm256_mask_i32gather_ps(zero, r.row_b, hi, _mm256_castsi256_ps(via_ac), 4);
  // via {a, b}: to a and b known, to c is row c at x.
  const __m256i at = _mm256_add_epi32(
      _mm256_mullo_epi32(_mm256_sub_epi32(pc, _mm256_set1_epi32(1)), _mm256_set1_epi32(t.stride)), hi);
  const __m256 xc_ab = _mm256_mask_i32gather_ps(zero, t.matrix, at, _mm256_castsi256_ps(via_ab), 4);
  const __m256 ac_lanes = _mm256_castsi256_ps(via_ac);
  const __m256 xa = _mm256_blendv_ps(_mm256_set1_ps(r.xa_b), _mm256_loadu_ps(t.x_to_a + i0), ac_lanes);
  const __m256 xb = _mm256_blendv_ps(_mm256_set1_ps(r.xb_b), xb_ac, ac_lanes);
  const __m256 xc = _mm256_blendv_ps(xc_ab, _mm256_loadu_ps(t.x_to_c + i0), ac_lanes);
  const __m256i found = _mm256_or_si256(_mm256_and_si256(via_ac, LanesLessOrEqual(xb, d)),
                                        _mm256_and_si256(via_ab, LanesLessOrEqual(xc, d)));
  const __m256i x = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), reinterpret_cast<const int*>(t.vertex_of),
                                                hi, found, 4);
  // Vertices are below 2³¹: signed compares.
  const __m256i below_a = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(r.a)), x);
  const __m256i below_b = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(r.vb)), x);
  const __m256i below_c = _mm256_cmpgt_epi32(vc, x);
  const __m256i without_a = LanesLess(_mm256_max_ps(dbc, _mm256_max_ps(xb, xc)), d);
  const __m256i without_b = LanesLess(_mm256_max_ps(dac, _mm256_max_ps(xa, xc)), d);
  const __m256i without_c = LanesLess(_mm256_max_ps(dab, _mm256_max_ps(xa, xb)), d);
  const __m256i below_ab = _mm256_and_si256(below_a, below_b);
  const __m256i facet = _mm256_and_si256(
      _mm256_and_si256(found, NotOr(below_a, without_a)),
      _mm256_and_si256(NotOr(below_ab, without_b), NotOr(_mm256_and_si256(below_ab, below_c), without_c)));
  const __m256i settled = _mm256_or_si256(NotOr(present, with_edge), facet);
  return static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(settled))) & 0xffu;
}

// One worker's block, shared by a group of consecutive vertices a (their neighbourhoods
// overlap on clouds in trajectory order, so each row is filled once for the group, not
// once per vertex). U is the union of N(a) ∪ {a} over the group, ascending; local
// positions are 1..m; pos_ maps a vertex to its position, 0 for vertices outside U
// (whose scattered lengths land in column 0, which is never read). Rows are kept for
// the positions whose vertex is at most the group's last a: every triangle {a, b, c}
// (a > b > c) of the group reads rows a, b and c, and columns anywhere in U.
class Block {
 public:
  explicit Block(size_t n) : pos_(n, 0) {}

  // Forms the group a_begin .. (returned end − 1) within [a_begin, a_limit): vertices are
  // added while U stays within max(cap, the first one's |N(a) ∪ {a}|).
  size_t Open(const SparseGraph& g, size_t a_begin, size_t a_limit, size_t cap) {
    vertex_.assign(1, 0);
    size_t a = a_begin;
    for (; a < a_limit; ++a) {
      const auto row = g.row(a);
      size_t fresh = pos_[a] == 0;
      for (const SparseGraph::Neighbor& nb : row) fresh += pos_[nb.vertex] == 0;
      if (a > a_begin && vertex_.size() - 1 + fresh > cap) break;
      auto add = [&](uint32_t v) {
        if (pos_[v] == 0) {
          pos_[v] = -1;  // in U, position assigned below
          vertex_.push_back(v);
        }
      };
      add(static_cast<uint32_t>(a));
      for (const SparseGraph::Neighbor& nb : row) add(nb.vertex);
    }
    std::sort(vertex_.begin() + 1, vertex_.end());
    m_ = static_cast<int>(vertex_.size()) - 1;
    stride_ = vertex_.size();
    for (int q = 1; q <= m_; ++q) pos_[vertex_[static_cast<size_t>(q)]] = q;
    rows_ = pos_[a - 1];  // the last a of the group: rows 1 .. its position
    return a;
  }
  void Close() {
    for (int q = 1; q <= m_; ++q) pos_[vertex_[static_cast<size_t>(q)]] = 0;
  }
  // Fills all rows into `matrix` (rows() × stride()): the lengths from the row's vertex
  // to U, "absent" elsewhere. Absent entries are all-ones bytes, a NaN: every test
  // `entry <= d` fails on them, as on +inf, and memset writes them fast. Only the part
  // of a neighbour list within U's range of vertices is read.
  void Fill(const SparseGraph& g, std::vector<float>& matrix) const {
    matrix.resize(static_cast<size_t>(rows_) * stride_);
    const uint32_t lo = vertex_[1], hi = vertex_[static_cast<size_t>(m_)];
    auto less = [](const SparseGraph::Neighbor& x, uint32_t v) { return x.vertex < v; };
    for (int p = 1; p <= rows_; ++p) {
      float* out = matrix.data() + static_cast<size_t>(p - 1) * stride_;
      std::memset(out, 0xff, stride_ * sizeof(float));
      const auto list = g.row(vertex_[static_cast<size_t>(p)]);
      const auto* it = std::lower_bound(list.data(), list.data() + list.size(), lo, less);
      const auto* stop = std::lower_bound(it, list.data() + list.size(), hi + 1, less);
      for (; it != stop; ++it) out[pos_[it->vertex]] = it->length;
    }
  }
  int m() const { return m_; }
  int rows() const { return rows_; }
  size_t stride() const { return stride_; }
  int pos(uint32_t v) const { return pos_[v]; }
  uint32_t vertex(int p) const { return vertex_[static_cast<size_t>(p)]; }
  const uint32_t* vertices() const { return vertex_.data(); }

 private:
  std::vector<int> pos_;
  std::vector<uint32_t> vertex_;  // [0] unused
  int m_ = 0, rows_ = 0;
  size_t stride_ = 0;
};

}  // namespace

size_t EdgeCofacetsBytes(size_t n, size_t edges) {
  return (n + 1) * sizeof(uint64_t) + edges * sizeof(uint32_t);
}

size_t ApparentBlockBytes(size_t n, size_t max_degree, int threads) {
  // Block::Open: a group's first vertex a brings |N(a) ∪ {a}| ≤ max_degree + 1 vertices and
  // later ones join only while U stays within the cap, so |U| ≤ max(kGroupSlack,
  // kGroupGrowth · (max_degree + 1)); the matrix is at most |U| rows of |U| + 1 floats.
  const size_t u = std::max(kGroupSlack, kGroupGrowth * (max_degree + 1));
  // Per lower neighbour of a: lower, x_pos, x_to_a, x_to_c, length, vertex, cofacet.
  const size_t per_edge_of_a = 7 * sizeof(uint32_t);
  const size_t per_worker = u * (u + 1) * sizeof(float) + n * sizeof(int) +
                            (u + 1) * sizeof(uint32_t) + (max_degree + 1) * per_edge_of_a;
  return static_cast<size_t>(std::max(threads, 1)) * per_worker;
}

SparseApparentPairs FindApparentPairs(const SparseGraph& g, const BinomialTable& binomial, bool triangles,
                                      int threads, SimdLevel simd) {
  const size_t n = g.n;
  SparseApparentPairs out;
  EdgeCofacets& edges = out.edges;
  edges.lower_offsets.assign(n + 1, 0);
  for (size_t a = 0; a < n; ++a) {
    size_t below = 0;
    for (const SparseGraph::Neighbor& nb : g.row(a)) {
      if (nb.vertex >= a) break;
      ++below;
    }
    edges.lower_offsets[a + 1] = edges.lower_offsets[a] + below;
  }
  edges.value.assign(edges.lower_offsets[n], EdgeCofacets::kNone);
  const int workers = std::max(threads, 1);
  struct Scratch {
    explicit Scratch(size_t n) : block(n) {}
    Block block;
    std::vector<float> matrix;                // rows 1..rows(), row p at (p − 1) · stride
    std::vector<int> lower;                   // positions of a's neighbours below a
    std::vector<int> x_pos;                   // per lower neighbour c: cofacet's position
    std::vector<float> x_to_a, x_to_c;        // and its lengths to a and to c
    std::vector<float> length;                // and (for the vector lanes) the edge's
    std::vector<uint32_t> vertex, cofacet;    // length, c, and the cofacet vertex
    std::vector<TriangleColumn> columns;      // in no apparent pair
    std::vector<TriangleColumn> held;         // unless their lowest edge's cofacet is a
  };
  std::vector<Scratch> scratch;
  scratch.reserve(static_cast<size_t>(workers));
  for (int w = 0; w < workers; ++w) scratch.emplace_back(n);
  // The vector lanes' form: sixteen lanes (AVX-512), eight (AVX2), or none.
  unsigned (*const settle)(const TriangleLanes&, const TriangleRow&, size_t) =
      simd == SimdLevel::kAvx512 ? SettleSixteen : (simd == SimdLevel::kAvx2 ? SettleEight : nullptr);
  const size_t width = simd == SimdLevel::kAvx512 ? 16 : 8;
  ParallelFor(n, kGrain, workers, [&](size_t begin, size_t end, int worker) {
    Scratch& s = scratch[static_cast<size_t>(worker)];
    Block& b = s.block;
    for (size_t group = begin; group < end;) {
      const size_t group_end =
          b.Open(g, group, end, std::max<size_t>(kGroupSlack, kGroupGrowth * (g.row(group).size() + 1)));
      b.Fill(g, s.matrix);
      const bool vector_lanes = settle != nullptr && s.matrix.size() < (size_t{1} << 31);
      auto row = [&](int p) { return s.matrix.data() + static_cast<size_t>(p - 1) * b.stride(); };
      for (size_t va = group; va < group_end; ++va) {
        const uint32_t a = static_cast<uint32_t>(va);
        const float* row_a = row(b.pos(a));
        // The edges {a, c}, c < a: the entries of a's list below a, at positions lower[k].
        const auto list = g.row(a);
        const size_t below = edges.lower_offsets[a + 1] - edges.lower_offsets[a];
        s.lower.resize(below);
        for (size_t k = 0; k < below; ++k) s.lower[k] = b.pos(list[k].vertex);
        uint32_t* cofacet = edges.value.data() + edges.lower_offsets[a];
        // Per edge {a, c} also its cofacet vertex's position and lengths to a and to c,
        // kept for the triangles: then the usual test reads only row b, which stays in
        // cache over the inner loop, and not a column of the block.
        s.x_pos.resize(below);
        s.x_to_a.resize(below);
        s.x_to_c.resize(below);
        s.length.resize(below);
        s.vertex.resize(below);
        s.cofacet.resize(below);
        // The zero-pivot cofacet of {a, c} is the largest x ∈ U within d of a and c
        // (x ≠ a, c: row a at a and row c at c are absent, no vertex being its own
        // neighbour; x is a neighbour of a, so in U).
        for (size_t k = 0; k < below; ++k) {
          const int pc = s.lower[k];
          const float* row_c = row(pc);
          const float d = list[k].length;
          const float* scan[2] = {row_a, row_c};
          const int px = ScanDown<2>(simd, scan, b.m(), d);
          uint32_t value = EdgeCofacets::kNone;
          s.x_pos[k] = px;
          if (px != 0) {
            const uint32_t x = b.vertex(px), c = list[k].vertex;
            s.x_to_a[k] = row_a[px];
            s.x_to_c[k] = row_c[px];
            // The triangle {a, c, x} has the edge as its zero-pivot facet when every
            // vertex above x, removed, leaves a shorter edge: removing a leaves {c, x},
            // removing c leaves {a, x}.
            const bool apparent = x > a || (row_c[px] < d && (x > c || row_a[px] < d));
            value = x | (apparent ? 0x80000000u : 0u);
          }
          cofacet[k] = value;
        }
        if (!triangles) continue;
        // The triangles {a, b, c}, a > b > c.
        for (size_t k = 0; k < below; ++k) {
          s.length[k] = list[k].length;
          s.vertex[k] = list[k].vertex;
          s.cofacet[k] = cofacet[k] & EdgeCofacets::kNone;
        }
        TriangleLanes lanes{s.lower.data(), s.length.data(), s.vertex.data(), s.cofacet.data(),
                            s.x_pos.data(),  s.x_to_a.data(), s.x_to_c.data(), s.matrix.data(),
                            static_cast<int>(b.stride()), b.vertices(), b.m()};
        for (size_t j = 1; j < below; ++j) {
          const int pb = s.lower[j];
          const uint32_t vb = list[j].vertex;
          const float* row_b = row(pb);
          const float dab = list[j].length;
          const uint32_t eab = s.cofacet[j];
          // The triangle {a, b, L[lower[i]]}: appended to the columns (or held back)
          // unless it is settled as apparent.
          auto triangle = [&](size_t i) {
            const int pc = s.lower[i];
            const float dbc = row_b[pc];
            if (std::isnan(dbc)) return;  // absent: no edge {b, c}
            const uint32_t vc = list[i].vertex;
            const float dac = list[i].length;
            const float d = std::max(dab, std::max(dac, dbc));
            const uint32_t eac = s.cofacet[i];
            // Apparent with an edge: the zero-pivot facet (remove a, then b, then c: the
            // first that keeps the diameter) has this triangle as its zero-pivot cofacet.
            // For {b, c} that is known only after the pass (held back below).
            if (dbc != d && (dac == d ? eac == vb : eab == vc)) return;
            // The zero-pivot cofacet: the largest x ∈ U within d of a, b and c. It is at
            // or below the zero-pivot cofacet of any edge of diameter d that contains a
            // (and mostly that cofacet itself, as in the dense kernel); without such an
            // edge the whole of U is scanned.
            int hi = b.m();
            bool none = false;
            if (dab == d) {
              if (eab == EdgeCofacets::kNone) none = true;
              else hi = s.x_pos[j];
            }
            if (dac == d) {
              if (eac == EdgeCofacets::kNone) none = true;
              else hi = std::min(hi, s.x_pos[i]);
            }
            if (!none) {
              const float* row_c = row(pc);
              int px = 0;
              float xa = 0, xb = 0, xc = 0;
              if (dac == d && hi == s.x_pos[i]) {  // x is within d of a and c
                xa = s.x_to_a[i];
                xc = s.x_to_c[i];
                xb = row_b[hi];
                if (xb <= d) px = hi;
              } else if (dab == d && hi == s.x_pos[j]) {  // x is within d of a and b
                xa = s.x_to_a[j];
                xb = s.x_to_c[j];
                xc = row_c[hi];
                if (xc <= d) px = hi;
              }
              if (px == 0) {
                const float* scan[3] = {row_a, row_b, row_c};
                px = ScanDown<3>(simd, scan, dab == d || dac == d ? hi - 1 : hi, d);
                if (px != 0) {
                  xa = row_a[px];
                  xb = row_b[px];
                  xc = row_c[px];
                }
              }
              if (px != 0) {
                const uint32_t x = b.vertex(px);
                // The tetrahedron's zero-pivot facet is this triangle when every vertex
                // above x, removed, leaves a smaller diameter.
                bool facet = true;
                if (x < a) facet = std::max(dbc, std::max(xb, xc)) < d;
                if (facet && x < vb) facet = std::max(dac, std::max(xa, xc)) < d;
                if (facet && x < vc) facet = std::max(dab, std::max(xa, xb)) < d;
                if (facet) return;
              }
            }
            const TriangleColumn t{d, binomial(a, 3) + binomial(vb, 2) + vc};
            (dbc == d ? s.held : s.columns).push_back(t);
          };
          size_t i = 0;
          if (vector_lanes) {
            // `width` at a time, the usual cases (no edge {b, c}; apparent with an edge
            // containing a; the bound's cofacet as the tetrahedron) settled in vector
            // registers; the lanes left go through the scalar test.
            const TriangleRow r{row_b, dab, vb, eab, s.x_pos[j], s.x_to_a[j], s.x_to_c[j], a};
            const unsigned all = (1u << width) - 1;
            for (; i + width <= j; i += width) {
              for (unsigned rest = ~settle(lanes, r, i) & all; rest != 0; rest &= rest - 1) {
                triangle(i + static_cast<size_t>(__builtin_ctz(rest)));
              }
            }
          }
          for (; i < j; ++i) triangle(i);
        }
      }
      b.Close();
      group = group_end;
    }
  });
  std::vector<TriangleColumn>& found = out.triangles;
  std::vector<int64_t> held;
  for (Scratch& s : scratch) {
    found.insert(found.end(), s.columns.begin(), s.columns.end());
    for (const TriangleColumn& t : s.held) held.push_back(t.index);
    std::vector<TriangleColumn>().swap(s.columns);
  }
  if (!triangles) return out;
  // A held triangle {a, b, c} is apparent with {b, c} when that edge's zero-pivot
  // cofacet is a (a > b makes {b, c} its zero-pivot facet). Every edge whose cofacet
  // lies above it names such a triangle; those found among the held ones are dropped.
  std::sort(held.begin(), held.end());
  std::vector<uint8_t> paired(held.size(), 0);
  ParallelFor(n, 256, workers, [&](size_t begin, size_t end, int) {
    for (size_t v = begin; v < end; ++v) {
      const auto list = g.row(v);
      const size_t below = edges.lower_offsets[v + 1] - edges.lower_offsets[v];
      for (size_t k = 0; k < below; ++k) {
        const uint32_t x = edges.Cofacet(v, k);
        if (x == EdgeCofacets::kNone || x < v) continue;
        const int64_t index = binomial(x, 3) + binomial(static_cast<int64_t>(v), 2) + list[k].vertex;
        const auto it = std::lower_bound(held.begin(), held.end(), index);
        if (it != held.end() && *it == index) paired[static_cast<size_t>(it - held.begin())] = 1;
      }
    }
  });
  for (Scratch& s : scratch) {
    for (const TriangleColumn& t : s.held) {
      const size_t q = static_cast<size_t>(std::lower_bound(held.begin(), held.end(), t.index) - held.begin());
      if (!paired[q]) found.push_back(t);
    }
    std::vector<TriangleColumn>().swap(s.held);
  }
  return out;
}

}  // namespace panic::tda::internal
