#include "panic/analysis/markov_chain.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <numeric>
#include <string>

// LAPACK from OpenBLAS, declared here (as tda/ declares its BLAS) so that no include path
// depends on the BLAS alternative Debian selected. Fortran ABI: arguments by pointer,
// hidden lengths for the character arguments at the end.
extern "C" {
void dgeev_(const char* jobvl, const char* jobvr, const int* n, double* a, const int* lda,
            double* wr, double* wi, double* vl, const int* ldvl, double* vr, const int* ldvr,
            double* work, const int* lwork, int* info, size_t jobvl_len, size_t jobvr_len);
void dgesv_(const int* n, const int* nrhs, double* a, const int* lda, int* ipiv, double* b,
            const int* ldb, int* info);
}

namespace panic::analysis {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Strongly connected components of the graph i → j where p[i][j] > 0 (Tarjan, iterative).
// Returns the component of each vertex; components are numbered in reverse topological
// order (a component's successors have smaller numbers).
std::vector<size_t> StronglyConnected(const std::vector<std::vector<size_t>>& adj,
                                      size_t& num_components) {
  const size_t k = adj.size();
  constexpr size_t kUnvisited = SIZE_MAX;
  std::vector<size_t> index(k, kUnvisited), low(k, 0), comp(k, kUnvisited), stack;
  std::vector<bool> on_stack(k, false);
  std::vector<std::pair<size_t, size_t>> frames;  // (vertex, next edge to look at)
  size_t counter = 0;
  num_components = 0;
  for (size_t root = 0; root < k; ++root) {
    if (index[root] != kUnvisited) continue;
    frames.push_back({root, 0});
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!frames.empty()) {
      auto& [v, e] = frames.back();
      if (e < adj[v].size()) {
        size_t w = adj[v][e++];
        if (index[w] == kUnvisited) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = true;
          frames.push_back({w, 0});
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      if (low[v] == index[v]) {
        size_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          comp[w] = num_components;
        } while (w != v);
        ++num_components;
      }
      size_t done = v;
      frames.pop_back();
      if (!frames.empty()) low[frames.back().first] = std::min(low[frames.back().first], low[done]);
    }
  }
  return comp;
}

// Period of a closed class: gcd over its edges u → v of level(u) + 1 − level(v), levels
// from a breadth-first search inside the class.
size_t Period(const std::vector<size_t>& members, const std::vector<std::vector<size_t>>& adj,
              const std::vector<size_t>& comp) {
  std::vector<long> level(adj.size(), -1);
  std::vector<size_t> queue{members[0]};
  level[members[0]] = 0;
  size_t g = 0;
  for (size_t q = 0; q < queue.size(); ++q) {
    size_t u = queue[q];
    for (size_t v : adj[u]) {
      if (comp[v] != comp[u]) continue;
      if (level[v] < 0) {
        level[v] = level[u] + 1;
        queue.push_back(v);
      } else {
        g = std::gcd(g, static_cast<size_t>(std::labs(level[u] + 1 - level[v])));
      }
    }
  }
  return g == 0 ? 1 : g;
}

// Moduli of the eigenvalues of the k × k row-major matrix, largest first.
Result<std::vector<double>> EigenvalueModuli(std::vector<double> a, size_t k) {
  int n = static_cast<int>(k), lda = n, one = 1, lwork = -1, info = 0;
  std::vector<double> wr(k), wi(k);
  double query = 0, dummy = 0;
  // Row-major A read as column-major is Aᵀ, which has the same eigenvalues.
  dgeev_("N", "N", &n, a.data(), &lda, wr.data(), wi.data(), &dummy, &one, &dummy, &one, &query,
         &lwork, &info, 1, 1);
  if (info != 0) return Status::Internal("LAPACK dgeev workspace query failed: info = " + std::to_string(info));
  lwork = std::max(static_cast<int>(query), 4 * n);
  std::vector<double> work(static_cast<size_t>(lwork));
  dgeev_("N", "N", &n, a.data(), &lda, wr.data(), wi.data(), &dummy, &one, &dummy, &one,
         work.data(), &lwork, &info, 1, 1);
  if (info != 0) return Status::Internal("LAPACK dgeev failed: info = " + std::to_string(info));
  std::vector<double> moduli(k);
  for (size_t i = 0; i < k; ++i) moduli[i] = std::hypot(wr[i], wi[i]);
  std::sort(moduli.begin(), moduli.end(), std::greater<>());
  return moduli;
}

// z = μ_T (I − Q)⁻¹ for the transient block Q of p: the expected visits to each transient
// state of the chain started from μ (restricted to the transient states).
Result<std::vector<double>> ExpectedTransientVisits(const std::vector<double>& p, size_t k,
                                                    const std::vector<size_t>& transient,
                                                    const std::vector<double>& mu) {
  const size_t t = transient.size();
  std::vector<double> a(t * t), z(t);
  for (size_t r = 0; r < t; ++r) {
    for (size_t c = 0; c < t; ++c) {
      a[r * t + c] = (r == c ? 1.0 : 0.0) - p[transient[r] * k + transient[c]];
    }
    z[r] = mu[transient[r]];
  }
  // Row-major (I − Q) read as column-major is (I − Q)ᵀ: solving (I − Q)ᵀ zᵀ = μ_Tᵀ.
  int n = static_cast<int>(t), nrhs = 1, info = 0;
  std::vector<int> pivots(t);
  dgesv_(&n, &nrhs, a.data(), &n, pivots.data(), z.data(), &n, &info);
  if (info != 0) return Status::Internal("LAPACK dgesv failed: info = " + std::to_string(info));
  return z;
}

}  // namespace

std::vector<double> StationaryDistributionGth(std::vector<double> p, size_t k) {
  for (size_t n = k; n-- > 1;) {
    double s = 0;
    for (size_t j = 0; j < n; ++j) s += p[n * k + j];
    for (size_t i = 0; i < n; ++i) p[i * k + n] /= s;
    for (size_t i = 0; i < n; ++i) {
      double f = p[i * k + n];
      if (f == 0) continue;
      for (size_t j = 0; j < n; ++j) p[i * k + j] += f * p[n * k + j];
    }
  }
  std::vector<double> pi(k, 0.0);
  if (k == 0) return pi;
  pi[0] = 1;
  for (size_t j = 1; j < k; ++j) {
    for (size_t i = 0; i < j; ++i) pi[j] += pi[i] * p[i * k + j];
  }
  double total = std::accumulate(pi.begin(), pi.end(), 0.0);
  for (double& x : pi) x /= total;
  return pi;
}

Result<MarkovChain> EstimateMarkovChain(std::span<const LabelSequence> runs,
                                        const ChainOptions& options) {
  MarkovChain chain;
  std::vector<std::vector<std::vector<size_t>>> pieces;
  pieces.reserve(runs.size());
  for (LabelSequence run : runs) {
    pieces.push_back(internal::CountedPieces(run, options.outliers));
    for (const auto& piece : pieces.back()) {
      for (size_t i : piece) chain.states.push_back(run[i]);
    }
  }
  std::sort(chain.states.begin(), chain.states.end());
  chain.states.erase(std::unique(chain.states.begin(), chain.states.end()), chain.states.end());
  const size_t k = chain.states.size();
  if (k == 0) return chain;
  auto state_of = [&](int64_t label) {
    return static_cast<size_t>(std::lower_bound(chain.states.begin(), chain.states.end(), label) -
                               chain.states.begin());
  };

  chain.counts.assign(k * k, 0);
  chain.visits.assign(k, 0);
  chain.initial.assign(k, 0.0);
  size_t labelled_runs = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    if (pieces[r].empty()) continue;
    ++labelled_runs;
    chain.initial[state_of(runs[r][pieces[r][0][0]])] += 1;
    for (const auto& piece : pieces[r]) {
      size_t prev = SIZE_MAX;
      for (size_t i : piece) {
        size_t s = state_of(runs[r][i]);
        ++chain.visits[s];
        if (prev != SIZE_MAX && (prev != s || options.self_transitions)) ++chain.counts[prev * k + s];
        prev = s;
      }
    }
  }
  for (double& x : chain.initial) x /= static_cast<double>(labelled_runs);

  chain.exits.assign(k, 0);
  chain.transition.assign(k * k, 0.0);
  std::vector<double> completed(k * k, 0.0);  // no-exit rows made absorbing
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j) chain.exits[i] += chain.counts[i * k + j];
    if (chain.exits[i] == 0) {
      completed[i * k + i] = 1;
      continue;
    }
    for (size_t j = 0; j < k; ++j) {
      double p = static_cast<double>(chain.counts[i * k + j]) / static_cast<double>(chain.exits[i]);
      chain.transition[i * k + j] = completed[i * k + j] = p;
    }
  }

  // Communicating classes; a class is closed when no edge leaves it.
  std::vector<std::vector<size_t>> adj(k);
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j) {
      if (completed[i * k + j] > 0) adj[i].push_back(j);
    }
  }
  size_t num_components = 0;
  std::vector<size_t> comp = StronglyConnected(adj, num_components);
  std::vector<bool> closed(num_components, true);
  for (size_t i = 0; i < k; ++i) {
    for (size_t j : adj[i]) {
      if (comp[j] != comp[i]) closed[comp[i]] = false;
    }
  }
  std::vector<std::vector<size_t>> members(num_components);
  for (size_t i = 0; i < k; ++i) members[comp[i]].push_back(i);  // ascending within each
  chain.irreducible = num_components == 1;
  std::vector<size_t> transient;
  std::vector<size_t> closed_ids;  // component ids, ordered by smallest state
  for (size_t i = 0; i < k; ++i) {
    if (!closed[comp[i]]) {
      transient.push_back(i);
      chain.transient_states.push_back(chain.states[i]);
    } else if (members[comp[i]][0] == i) {
      closed_ids.push_back(comp[i]);
    }
  }
  chain.stationary_unique = closed_ids.size() == 1;

  // π: each closed class's own stationary distribution, weighted by the probability that
  // the chain started from μ₀ ends up in it.
  std::vector<double> absorbed(num_components, 0.0);
  for (size_t i = 0; i < k; ++i) {
    if (closed[comp[i]]) absorbed[comp[i]] += chain.initial[i];
  }
  if (!transient.empty()) {
    PANIC_ASSIGN_OR_RETURN(std::vector<double> visits,
                           ExpectedTransientVisits(completed, k, transient, chain.initial));
    for (size_t r = 0; r < transient.size(); ++r) {
      for (size_t j = 0; j < k; ++j) {
        if (closed[comp[j]]) absorbed[comp[j]] += visits[r] * completed[transient[r] * k + j];
      }
    }
  }
  chain.stationary.assign(k, 0.0);
  bool periodic = false;
  for (size_t c : closed_ids) {
    const auto& m = members[c];
    ClosedClass cls;
    for (size_t i : m) cls.labels.push_back(chain.states[i]);
    cls.period = Period(m, adj, comp);
    periodic = periodic || cls.period > 1;
    if (m.size() == 1) chain.absorbing_states.push_back(chain.states[m[0]]);
    std::vector<double> sub(m.size() * m.size());
    for (size_t a = 0; a < m.size(); ++a) {
      for (size_t b = 0; b < m.size(); ++b) sub[a * m.size() + b] = completed[m[a] * k + m[b]];
    }
    std::vector<double> pi_c = StationaryDistributionGth(std::move(sub), m.size());
    for (size_t a = 0; a < m.size(); ++a) chain.stationary[m[a]] = absorbed[c] * pi_c[a];
    chain.closed_classes.push_back(std::move(cls));
  }

  // Spectral measures. Structure decides |λ₂| = 1; only the aperiodic single-class case
  // needs the eigenvalues.
  double lambda2 = 0;
  if (k == 1) {
    lambda2 = 0;
  } else if (!chain.stationary_unique || periodic) {
    lambda2 = 1;
  } else {
    PANIC_ASSIGN_OR_RETURN(std::vector<double> moduli, EigenvalueModuli(completed, k));
    lambda2 = std::clamp(moduli[1], 0.0, 1.0);
  }
  chain.second_eigenvalue_modulus = lambda2;
  chain.spectral_gap = 1 - lambda2;
  chain.relaxation_time = chain.spectral_gap > 0 ? 1 / chain.spectral_gap : kInf;
  chain.implied_timescale = lambda2 >= 1 ? kInf : lambda2 == 0 ? 0 : -1 / std::log(lambda2);
  return chain;
}

}  // namespace panic::analysis
