#include "panic/mpi/rank_memory.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

namespace panic::mpi {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> Number(std::string_view s) {
  s = Trim(s);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// The room of the cgroup this process is in: cgroup v2 (the "0::PATH" line of
// /proc/self/cgroup, files under /sys/fs/cgroup[/unified]/PATH), else v1's memory
// controller ("N:memory:PATH", files under /sys/fs/cgroup/memory/PATH). A namespaced
// cgroup shows "/" for itself, i.e. the files at the mount's root. Absent without a limit.
std::optional<uint64_t> OwnCgroupRoom() {
  std::istringstream lines(ReadSmallFile("/proc/self/cgroup"));
  std::optional<uint64_t> room;
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(':'), second = line.find(':', colon + 1);
    if (colon == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(colon + 1, second - colon - 1), path = line.substr(second + 1);
    std::optional<uint64_t> r;
    if (controllers.empty()) {
      for (const char* root : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        if (!r) r = CgroupRoom(ReadSmallFile(std::string(root) + path + "/memory.max"), ReadSmallFile(std::string(root) + path + "/memory.current"));
      }
    } else if (controllers == "memory") {
      const std::string dir = "/sys/fs/cgroup/memory" + path;
      r = CgroupRoom(ReadSmallFile(dir + "/memory.limit_in_bytes"), ReadSmallFile(dir + "/memory.usage_in_bytes"));
      if (!r) {
        r = CgroupRoom(ReadSmallFile("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
                       ReadSmallFile("/sys/fs/cgroup/memory/memory.usage_in_bytes"));
      }
    }
    if (r && (!room || *r < *room)) room = r;
  }
  return room;
}

}  // namespace

std::optional<uint64_t> ParseMemAvailable(std::string_view meminfo) {
  const std::string_view key = "MemAvailable:";
  const size_t at = meminfo.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = meminfo.substr(at + key.size());
  rest = rest.substr(0, rest.find('\n'));
  rest = Trim(rest);
  if (rest.size() < 3 || rest.substr(rest.size() - 2) != "kB") return std::nullopt;
  auto kb = Number(rest.substr(0, rest.size() - 2));
  if (!kb || *kb > std::numeric_limits<uint64_t>::max() / 1024) return std::nullopt;
  return *kb * 1024;
}

std::optional<uint64_t> CgroupRoom(std::string_view limit, std::string_view usage) {
  auto l = Number(limit), u = Number(usage);
  if (!l || !u || *l >= (uint64_t{1} << 60)) return std::nullopt;  // "max", v1's PAGE_COUNTER_MAX
  return *u >= *l ? 0 : *l - *u;
}

Result<uint64_t> ParseRankMemoryOverride(std::string_view spec, int rank) {
  std::string_view entry;
  int index = 0;
  while (true) {
    const size_t comma = spec.find(',');
    entry = Trim(spec.substr(0, comma));
    if (index == rank || comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
    ++index;
  }
  const auto bad = [&] {
    return Status::InvalidArgument(std::string(kRankMemoryVariable) + ": '" + std::string(entry) +
                                   "' is not allowed (bytes per rank, comma-separated by rank, each a whole number "
                                   "with an optional K, M, G or T suffix, e.g. 512M,2G)");
  };
  if (entry.empty()) return bad();
  int shift = 0;
  switch (entry.back()) {
    case 'K': case 'k': shift = 10; break;
    case 'M': case 'm': shift = 20; break;
    case 'G': case 'g': shift = 30; break;
    case 'T': case 't': shift = 40; break;
    default: break;
  }
  auto v = Number(shift ? entry.substr(0, entry.size() - 1) : entry);
  if (!v || *v > (std::numeric_limits<uint64_t>::max() >> shift)) return bad();
  return *v << shift;
}

Status CheckRankMemoryOverride() {
  const char* spec = std::getenv(kRankMemoryVariable);
  if (!spec) return Status::Ok();
  const std::string_view all(spec);
  const int entries = 1 + static_cast<int>(std::count(all.begin(), all.end(), ','));
  for (int r = 0; r < entries; ++r) PANIC_RETURN_IF_ERROR(ParseRankMemoryOverride(all, r).status());
  return Status::Ok();
}

Result<uint64_t> RankMemory(int rank, int ranks_on_node) {
  if (const char* spec = std::getenv(kRankMemoryVariable)) return ParseRankMemoryOverride(spec, rank);
  std::optional<uint64_t> room = ParseMemAvailable(ReadSmallFile("/proc/meminfo"));
  if (auto cgroup = OwnCgroupRoom(); cgroup && (!room || *cgroup < *room)) room = cgroup;
  if (!room) return Status::IOError("the memory this rank can use is unknown: /proc/meminfo has no MemAvailable");
  return *room / static_cast<uint64_t>(ranks_on_node < 1 ? 1 : ranks_on_node);
}

}  // namespace panic::mpi
