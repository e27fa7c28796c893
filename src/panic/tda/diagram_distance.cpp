#include "panic/tda/diagram_distance.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <vector>

namespace panic::tda {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Point {
  double birth, death;
};

double LInf(const Point& x, const Point& y) {
  return std::max(std::fabs(x.birth - y.birth), std::fabs(x.death - y.death));
}
double ToDiagonal(const Point& x) { return (x.death - x.birth) / 2; }

void Split(const Bars& bars, std::vector<Point>& finite, std::vector<double>& essential) {
  for (const Bar& b : bars) {
    if (b.IsEssential()) {
      essential.push_back(b.birth);
    } else if (b.death > b.birth) {
      finite.push_back(Point{b.birth, b.death});
    }
  }
  std::sort(essential.begin(), essential.end());
}

// Hopcroft–Karp: whether every left vertex in `must` can be matched, where left i is
// adjacent to right j iff edge(i, j).
bool CanSaturate(size_t left, size_t right, const std::vector<size_t>& must,
                 const std::function<bool(size_t, size_t)>& edge) {
  std::vector<std::vector<size_t>> adj(left);
  for (size_t i : must) {
    for (size_t j = 0; j < right; ++j) {
      if (edge(i, j)) adj[i].push_back(j);
    }
    if (adj[i].empty()) return false;
  }
  const size_t kNone = std::numeric_limits<size_t>::max();
  std::vector<size_t> match_l(left, kNone), match_r(right, kNone), dist(left);
  auto bfs = [&] {
    std::queue<size_t> q;
    bool found = false;
    for (size_t i : must) {
      if (match_l[i] == kNone) {
        dist[i] = 0;
        q.push(i);
      } else {
        dist[i] = kNone;
      }
    }
    while (!q.empty()) {
      size_t i = q.front();
      q.pop();
      for (size_t j : adj[i]) {
        size_t k = match_r[j];
        if (k == kNone) {
          found = true;
        } else if (dist[k] == kNone) {
          dist[k] = dist[i] + 1;
          q.push(k);
        }
      }
    }
    return found;
  };
  std::function<bool(size_t)> dfs = [&](size_t i) {
    for (size_t j : adj[i]) {
      size_t k = match_r[j];
      if (k == kNone || (dist[k] == dist[i] + 1 && dfs(k))) {
        match_l[i] = j;
        match_r[j] = i;
        return true;
      }
    }
    dist[i] = kNone;
    return false;
  };
  size_t matched = 0;
  while (bfs()) {
    for (size_t i : must) {
      if (match_l[i] == kNone && dfs(i)) ++matched;
    }
  }
  return matched == must.size();
}

// Whether the finite bars are within bottleneck distance eps: the bars farther than
// eps from the diagonal, on each side, must be matched across within eps. A matching
// covering those of a and one covering those of b imply one covering both
// (Mendelsohn–Dulmage), and every other bar can go to the diagonal.
bool WithinBottleneck(const std::vector<Point>& a, const std::vector<Point>& b, double eps) {
  std::vector<size_t> long_a, long_b;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToDiagonal(a[i]) > eps) long_a.push_back(i);
  }
  for (size_t j = 0; j < b.size(); ++j) {
    if (ToDiagonal(b[j]) > eps) long_b.push_back(j);
  }
  return CanSaturate(a.size(), b.size(), long_a, [&](size_t i, size_t j) { return LInf(a[i], b[j]) <= eps; }) &&
         CanSaturate(b.size(), a.size(), long_b, [&](size_t j, size_t i) { return LInf(a[i], b[j]) <= eps; });
}

// Minimum-cost perfect assignment of a square cost matrix (Hungarian algorithm with
// potentials, O(n³)).
double MinAssignment(const std::vector<std::vector<double>>& cost) {
  size_t n = cost.size();
  std::vector<double> u(n + 1, 0), v(n + 1, 0), minv(n + 1);
  std::vector<size_t> p(n + 1, 0), way(n + 1, 0);
  std::vector<char> used(n + 1);
  for (size_t i = 1; i <= n; ++i) {
    p[0] = i;
    size_t j0 = 0;
    std::fill(minv.begin(), minv.end(), kInf);
    std::fill(used.begin(), used.end(), 0);
    do {
      used[j0] = 1;
      size_t i0 = p[j0], j1 = 0;
      double delta = kInf;
      for (size_t j = 1; j <= n; ++j) {
        if (used[j]) continue;
        double cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (size_t j = 0; j <= n; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      size_t j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  double total = 0;
  for (size_t j = 1; j <= n; ++j) total += cost[p[j] - 1][j - 1];
  return total;
}

}  // namespace

double BottleneckDistance(const Bars& bars_a, const Bars& bars_b) {
  std::vector<Point> a, b;
  std::vector<double> ea, eb;
  Split(bars_a, a, ea);
  Split(bars_b, b, eb);
  if (ea.size() != eb.size()) return kInf;
  double essential = 0;
  for (size_t i = 0; i < ea.size(); ++i) essential = std::max(essential, std::fabs(ea[i] - eb[i]));
  // The distance is one of these values; binary search the smallest feasible one.
  std::vector<double> candidates{0.0};
  for (const Point& x : a) candidates.push_back(ToDiagonal(x));
  for (const Point& y : b) candidates.push_back(ToDiagonal(y));
  for (const Point& x : a) {
    for (const Point& y : b) candidates.push_back(LInf(x, y));
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  size_t lo = 0, hi = candidates.size() - 1;  // the largest candidate is always feasible
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (WithinBottleneck(a, b, candidates[mid])) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return std::max(essential, candidates[lo]);
}

Result<double> WassersteinDistance(const Bars& bars_a, const Bars& bars_b, double p) {
  if (!(p >= 1) || !std::isfinite(p)) {
    return Status::InvalidArgument("p: " + std::to_string(p) + " must be a finite number ≥ 1");
  }
  std::vector<Point> a, b;
  std::vector<double> ea, eb;
  Split(bars_a, a, ea);
  Split(bars_b, b, eb);
  if (ea.size() != eb.size()) return kInf;
  double total = 0;
  for (size_t i = 0; i < ea.size(); ++i) total += std::pow(std::fabs(ea[i] - eb[i]), p);
  // Rows: a's bars then b's diagonal copies; columns: b's bars then a's diagonal copies.
  size_t n = a.size() + b.size();
  if (n > 0) {
    std::vector<std::vector<double>> cost(n, std::vector<double>(n, 0.0));
    for (size_t i = 0; i < a.size(); ++i) {
      for (size_t j = 0; j < b.size(); ++j) cost[i][j] = std::pow(LInf(a[i], b[j]), p);
      for (size_t k = 0; k < a.size(); ++k) cost[i][b.size() + k] = std::pow(ToDiagonal(a[i]), p);
    }
    for (size_t k = 0; k < b.size(); ++k) {
      for (size_t j = 0; j < b.size(); ++j) cost[a.size() + k][j] = std::pow(ToDiagonal(b[j]), p);
    }
    total += MinAssignment(cost);
  }
  return std::pow(total, 1.0 / p);
}

double SortedPersistenceL1(const Bars& bars_a, const Bars& bars_b) {
  auto persistences = [](const Bars& bars) {
    std::vector<double> out;
    for (const Bar& b : bars) {
      if (!b.IsEssential()) out.push_back(static_cast<double>(b.death) - b.birth);
    }
    std::sort(out.begin(), out.end(), std::greater<>());
    return out;
  };
  std::vector<double> pa = persistences(bars_a), pb = persistences(bars_b);
  size_t n = std::max(pa.size(), pb.size());
  pa.resize(n, 0.0);
  pb.resize(n, 0.0);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::fabs(pa[i] - pb[i]);
  return sum;
}

}  // namespace panic::tda
