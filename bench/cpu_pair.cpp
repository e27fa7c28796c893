// What two threads can gain on this machine, before any kernel is blamed for its scaling.
//
//   bench_cpu_pair [CPU_A=0] [CPU_B=1] [SCALE=1]
//
// Runs three loops, each first alone on CPU_A, then alone on CPU_B, then on both at once
// (one copy pinned to each), and prints the pair's throughput as a multiple of one CPU's:
//   latency  one dependent multiply chain: the core mostly waits on its own results;
//   alu      twelve independent add/shift/xor chains: the core's integer ports are full;
//   memory   a pointer chase through 256 MiB in random order (each thread its own array):
//            the core mostly waits on DRAM.
// On two physical cores every loop gives ≈ 2×. Two hardware threads of one core (SMT
// siblings, which a virtual machine may present as "2 cores") give ≈ 2× for latency and
// memory but ≈ 1× for alu, the ports being shared; two virtual CPUs time-sliced on one
// core give ≈ 1× for all three. Code bound by the core's arithmetic then cannot scale past
// what alu shows, whatever it does. One CPU much slower alone than the other shares its
// core with work outside this machine. SCALE multiplies every loop's length: 0.1 runs the
// probe in about 10 s (most of it building the chase's arrays), to check the CPUs before
// and after a long benchmark, as a virtual machine's CPUs may be moved between cores, and
// other machines' work onto theirs, while it runs.
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "bench_clock.h"

namespace {

using panic::bench::Clock;
using panic::bench::Seconds;

uint64_t LatencyLoop(double scale) {
  uint64_t x = 1;
  const auto steps = static_cast<uint64_t>(scale * 1e9);
  for (uint64_t i = 0; i < steps; ++i) x = x * 6364136223846793005ULL + i;
  return x;
}

uint64_t AluLoop(double scale) {
  uint64_t r[12];
  std::iota(r, r + 12, uint64_t{1});
  const auto steps = static_cast<uint64_t>(scale * 8e8);
  for (uint64_t i = 0; i < steps; ++i) {
    // Unrolled, the twelve values stay in registers; the empty asm keeps them apart (no
    // vectorising), so each step is 36 independent integer operations.
#pragma GCC unroll 12
    for (int k = 0; k < 12; ++k) {
      r[k] = (r[k] + i) ^ (r[k] >> 1);
      asm volatile("" : "+r"(r[k]));
    }
  }
  return std::accumulate(r, r + 12, uint64_t{0});
}

// One random cycle through all slots, so every load depends on the one before it.
std::vector<uint32_t> MakeCycle(uint32_t seed) {
  const uint32_t n = (256u << 20) / sizeof(uint32_t);
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin() + 1, order.end(), std::mt19937(seed));
  std::vector<uint32_t> next(n);
  for (uint32_t i = 0; i + 1 < n; ++i) next[order[i]] = order[i + 1];
  next[order[n - 1]] = order[0];
  return next;
}

uint64_t MemoryLoop(const std::vector<uint32_t>& next, double scale) {
  uint32_t at = 0;
  const auto steps = static_cast<uint64_t>(scale * 2e7);
  for (uint64_t i = 0; i < steps; ++i) at = next[at];
  return at;
}

bool Pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

// Runs `loop` on each CPU in `cpus` at once, one thread each; returns the slowest one's seconds.
template <typename Loop>
double RunOn(const std::vector<int>& cpus, Loop loop, std::atomic<bool>* pinned) {
  std::vector<double> seconds(cpus.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < cpus.size(); ++t) {
    threads.emplace_back([&, t] {
      if (!Pin(cpus[t])) *pinned = false;
      const auto start = Clock::now();
      volatile uint64_t sink = loop(t);
      (void)sink;
      seconds[t] = Seconds(start);
    });
  }
  for (std::thread& th : threads) th.join();
  double slowest = 0;
  for (double s : seconds) slowest = std::max(slowest, s);
  return slowest;
}

template <typename Loop>
void Report(const char* name, int a, int b, Loop loop, std::atomic<bool>* pinned) {
  const double alone_a = RunOn({a}, loop, pinned);
  const double alone_b = RunOn({b}, loop, pinned);
  const double both = RunOn({a, b}, loop, pinned);
  // Two loops' work in `both` seconds, against one loop's in the mean single time.
  const double gain = (alone_a + alone_b) / both;
  std::printf("%-8s alone on %d: %6.2f s  alone on %d: %6.2f s  both at once: %6.2f s  pair = %.2fx one\n", name, a,
              alone_a, b, alone_b, both, gain);
}

// A whole-string number, or NaN.
double Parse(const char* text) {
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  return end != text && *end == '\0' ? value : std::nan("");
}

}  // namespace

int main(int argc, char** argv) {
  const double a = argc > 1 ? Parse(argv[1]) : 0;
  const double b = argc > 2 ? Parse(argv[2]) : 1;
  const double scale = argc > 3 ? Parse(argv[3]) : 1.0;
  auto is_cpu = [](double c) { return c >= 0 && c < CPU_SETSIZE && c == std::floor(c); };
  if (argc > 4 || !is_cpu(a) || !is_cpu(b) || a == b) {
    std::fprintf(stderr, "bench_cpu_pair: CPU_A and CPU_B must be two different CPU numbers (0 to %d), got %s and %s\n",
                 CPU_SETSIZE - 1, argc > 1 ? argv[1] : "0", argc > 2 ? argv[2] : "1");
    return 2;
  }
  if (!(scale > 0 && scale <= 100)) {
    std::fprintf(stderr, "bench_cpu_pair: SCALE must be a number in (0, 100], got %s\n", argv[3]);
    return 2;
  }
  const int cpu_a = static_cast<int>(a), cpu_b = static_cast<int>(b);
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
    for (const int cpu : {cpu_a, cpu_b}) {
      if (!CPU_ISSET(cpu, &allowed)) {
        std::fprintf(stderr, "bench_cpu_pair: CPU %d is not one this process may run on (see nproc, taskset -p)\n",
                     cpu);
        return 2;
      }
    }
  }
  std::atomic<bool> pinned{true};
  Report("latency", cpu_a, cpu_b, [&](size_t) { return LatencyLoop(scale); }, &pinned);
  Report("alu", cpu_a, cpu_b, [&](size_t) { return AluLoop(scale); }, &pinned);
  const std::vector<uint32_t> cycles[2] = {MakeCycle(1), MakeCycle(2)};
  Report("memory", cpu_a, cpu_b, [&](size_t t) { return MemoryLoop(cycles[t], scale); }, &pinned);
  if (!pinned) {
    std::fprintf(stderr, "bench_cpu_pair: could not pin a thread to CPU %d or %d: the figures are not per CPU\n",
                 cpu_a, cpu_b);
    return 1;
  }
  return 0;
}
