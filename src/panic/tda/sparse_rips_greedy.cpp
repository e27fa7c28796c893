// The greedy permutation without the n × n matrix (sparse_rips_greedy.h).
#include "panic/tda/sparse_rips_greedy.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

namespace panic::tda::internal {
namespace {

// Relative slack on every pruning test of the greedy permutation: the chords are
// computed in double (relative error ≲ dim · 1e-16), so a test that holds in exact
// arithmetic holds with this slack in floating point.
constexpr double kSlack = 1 + 1e-9;

}  // namespace

// ---- the greedy permutation ---------------------------------------------------------

std::vector<double> GreedyInsertionRadii(const CloudMetric& metric, std::vector<uint32_t>* order,
                                         size_t* evaluations, GreedyTree* tree) {
  const size_t n = metric.n();
  size_t evals = 0;
  auto chord = [&](size_t i, size_t j) {
    ++evals;
    return metric.Chord(i, j);
  };
  std::vector<double> lambda(n, 0.0);
  lambda[0] = std::numeric_limits<double>::infinity();
  if (order) order->assign(1, 0);
  if (tree) {
    tree->order.assign(1, 0);
    tree->parent.assign(n, 0);
    tree->parent_chord.assign(n, 0.0);
  }
  // Per point: the float distance to its nearest centre (the value the dense version
  // keeps; 0 for a centre), its chord to the centre of its cell, and that cell.
  // Invariant: nearest[x] == metric.FromChord(to_center[x]) — a point moves to a new
  // centre only when that float strictly decreases, so the value is always the one of
  // its own cell's centre.
  std::vector<float> nearest(n, 0.0f);
  std::vector<double> to_center(n, 0.0);
  std::vector<uint32_t> cell_of(n, 0);
  struct Cell {
    uint32_t center;
    std::vector<uint32_t> points;  // not the centre itself
    double radius = 0;             // max chord from the centre to its points (0 if none)
    float far_value = -1;          // max nearest[] of its points, and which (smallest index)
    uint32_t far_point = 0;
    uint32_t stamp = 0;
    // Neighbour cells and the chord between the centres. Invariant (Clarkson): every
    // two cells a, b with chord ≤ r_a + r_b + max(r_a, r_b) list each other; radii only
    // shrink, so a pair that fails the test once never needs listing again.
    std::vector<std::pair<uint32_t, double>> nbrs;
  };
  std::vector<Cell> cells;
  cells.reserve(n);
  auto refresh = [&](Cell& c) {
    c.radius = 0;
    c.far_value = -1;
    for (uint32_t x : c.points) {
      c.radius = std::max(c.radius, to_center[x]);
      if (nearest[x] > c.far_value || (nearest[x] == c.far_value && x < c.far_point)) {
        c.far_value = nearest[x];
        c.far_point = x;
      }
    }
  };
  auto close = [](double d, double ra, double rb) {
    return d <= (ra + rb + std::max(ra, rb)) * kSlack;
  };
  // The cell holding the globally farthest point: (value, −index) largest. Lazy entries
  // are skipped when their cell's stamp moved on.
  struct Top {
    float value;
    uint32_t point, cell, stamp;
    bool operator<(const Top& o) const {
      return value != o.value ? value < o.value : point > o.point;
    }
  };
  std::priority_queue<Top> heap;
  auto push = [&](uint32_t id) {
    Cell& c = cells[id];
    ++c.stamp;
    if (!c.points.empty()) heap.push(Top{c.far_value, c.far_point, id, c.stamp});
  };

  cells.push_back(Cell{0, {}, 0, -1, 0, 0, {}});
  for (size_t i = 1; i < n; ++i) {
    to_center[i] = chord(0, i);
    nearest[i] = metric.FromChord(to_center[i]);
    cells[0].points.push_back(static_cast<uint32_t>(i));
  }
  refresh(cells[0]);
  push(0);

  std::vector<uint32_t> mark(n, UINT32_MAX);  // per cell id: last insertion that saw it
  std::vector<double> to_new;                 // chord from each seen cell's centre to p
  std::vector<uint32_t> seen;
  std::vector<uint32_t> cand_mark(n, UINT32_MAX), candidates;
  std::vector<double> candidate_lb(n, 0.0);
  for (size_t k = 1; k < n; ++k) {
    Top top = heap.top();
    while (top.stamp != cells[top.cell].stamp) {
      heap.pop();
      top = heap.top();
    }
    heap.pop();
    const uint32_t p = top.point, parent = top.cell;
    lambda[p] = nearest[p];
    if (order) order->push_back(p);
    const double parent_chord = to_center[p];
    if (tree) {
      tree->order.push_back(p);
      tree->parent[p] = cells[parent].center;
      tree->parent_chord[p] = parent_chord;
    }
    {  // p leaves its cell and becomes a centre; the parent's radius and farthest
      // point are recomputed (it was p), which only lowers the radius
      auto& pts = cells[parent].points;
      pts.erase(std::find(pts.begin(), pts.end(), p));
    }
    nearest[p] = 0;
    to_center[p] = 0;
    const uint32_t id = static_cast<uint32_t>(cells.size());
    cell_of[p] = id;
    cells.push_back(Cell{p, {}, 0, -1, 0, 0, {}});
    to_new.resize(cells.size());
    mark.resize(cells.size(), UINT32_MAX);
    seen.clear();
    auto see = [&](uint32_t c, double d) {
      mark[c] = static_cast<uint32_t>(k);
      to_new[c] = d;
      seen.push_back(c);
    };
    auto chord_to_p = [&](uint32_t c) {
      if (mark[c] != k) see(c, chord(cells[c].center, p));
      return to_new[c];
    };
    see(parent, parent_chord);
    // The parent's neighbours (itself among them) are the only cells that can lose
    // points: a point x of cell c moves only if chord(x, p) < chord(x, c) ≤ r_c, so
    // chord(c, p) < 2 r_c, and then chord(c, parent) < 2 r_c + r_parent, which is
    // within the neighbour test. Radii are the ones before this step.
    std::vector<uint32_t> near_parent = {parent};
    for (const auto& [c, d] : cells[parent].nbrs) near_parent.push_back(c);
    for (uint32_t c : near_parent) {
      Cell& cell = cells[c];
      if (cell.points.empty() || chord_to_p(c) > 2 * cell.radius * kSlack) continue;
      size_t keep = 0;
      for (uint32_t x : cell.points) {
        const double dx = chord(x, p);
        const float fx = metric.FromChord(dx);
        if (fx < nearest[x]) {
          nearest[x] = fx;
          to_center[x] = dx;
          cell_of[x] = id;
          cells[id].points.push_back(x);
        } else {
          cell.points[keep++] = x;
        }
      }
      if (keep != cell.points.size()) {
        cell.points.resize(keep);
        refresh(cell);
        push(c);
      }
    }
    refresh(cells[parent]);
    push(parent);
    refresh(cells[id]);
    // The new cell's neighbours are among the neighbours of the parent's neighbours.
    // chord(b, p) ≥ chord(a, b) − chord(a, p) for a listed neighbour a of b: candidates
    // that this lower bound already excludes are not evaluated.
    {
      const double rp = cells[id].radius;
      for (uint32_t a : near_parent) {
        const double ap = chord_to_p(a);
        for (const auto& [b, ab] : cells[a].nbrs) {
          if (cand_mark[b] != k) {
            cand_mark[b] = static_cast<uint32_t>(k);
            candidate_lb[b] = 0;
            candidates.push_back(b);
          }
          candidate_lb[b] = std::max(candidate_lb[b], ab - ap);
        }
        if (cand_mark[a] != k) {
          cand_mark[a] = static_cast<uint32_t>(k);
          candidate_lb[a] = 0;
          candidates.push_back(a);
        }
      }
      for (uint32_t b : candidates) {
        const double rb = cells[b].radius;
        if (!close(candidate_lb[b], rp, rb)) continue;
        const double d = chord_to_p(b);
        if (close(d, rp, rb)) {
          cells[id].nbrs.emplace_back(b, d);
          cells[b].nbrs.emplace_back(id, d);
        }
      }
      candidates.clear();
    }
    // Prune the parent's neighbourhood: pairs no longer close (radii shrank) are dropped
    // from both lists.
    for (uint32_t a : near_parent) {
      auto& list = cells[a].nbrs;
      for (size_t q = 0; q < list.size();) {
        const auto [b, d] = list[q];
        if (close(d, cells[a].radius, cells[b].radius)) {
          ++q;
          continue;
        }
        list[q] = list.back();
        list.pop_back();
        auto& other = cells[b].nbrs;
        for (size_t t = 0; t < other.size(); ++t) {
          if (other[t].first == a) {
            other[t] = other.back();
            other.pop_back();
            break;
          }
        }
      }
    }
    push(id);
  }
  if (evaluations) *evaluations = evals;
  return lambda;
}


}  // namespace panic::tda::internal
