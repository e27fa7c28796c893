#include "panic/serve/request_parsing.h"

#include <array>
#include <charconv>
#include <vector>

namespace panic::serve {
namespace {

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "/a/b/" → {"a", "b"}; an empty segment in the middle ("a//b") is kept, so it matches no route.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

// The printable name of a value in an error message (at most 64 bytes, controls as '?').
std::string Shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return s.size() > 64 ? out + "…" : out;
}

Result<std::string> Id(std::string_view what, std::string_view text) {
  if (!IsUuid(text)) {
    return Status::InvalidArgument(std::string(what) + " id '" + Shown(text) +
                                   "' is not a UUID (8-4-4-4-12 hexadecimal digits)");
  }
  return Lower(text);
}

// The pages: each path of the dashboard and the embedded HTML file it serves.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kPages = {{
    {"", "index.html"},
    {"experiment", "experiment.html"},
    {"run", "run.html"},
    {"clusters", "clusters.html"},
    {"compare", "compare.html"},
    {"index.html", "index.html"},
}};

}  // namespace

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !IsHex(text[i])) return false;
  }
  return true;
}

Result<Route> ParseRoute(std::string_view path) {
  if (path.size() > kMaxPathBytes) {
    return Status::InvalidArgument("path of " + std::to_string(path.size()) + " bytes is longer than the " +
                                   std::to_string(kMaxPathBytes) + " allowed");
  }
  for (char c : path) {
    if (c < 0x21 || c > 0x7e) return Status::InvalidArgument("path '" + Shown(path) + "' holds a byte outside printable ASCII");
  }
  const std::vector<std::string_view> s = Segments(path);
  for (std::string_view segment : s) {
    // "a//b", "static//": an empty segment is no route (and no empty asset name).
    if (segment.empty()) return Status::NotFound("no such page: '" + Shown(path) + "'");
  }
  Route route;
  if (s.size() <= 1) {
    const std::string_view page = s.empty() ? std::string_view() : s[0];
    for (const auto& [name, file] : kPages) {
      if (page == name) {
        route.kind = RouteKind::kPage;
        route.name = file;
        return route;
      }
    }
  } else if (s.size() == 2 && s[0] == "static") {
    route.kind = RouteKind::kAsset;
    route.name = s[1];  // looked up by exact name in the embedded table, never on disk
    return route;
  } else if (s[0] == "api") {
    const std::string_view noun = s[1];
    if (s.size() == 2 && noun == "experiments") return Route{RouteKind::kExperiments, "", ""};
    if (s.size() == 2 && noun == "clusters") return Route{RouteKind::kClusters, "", ""};
    if (s.size() == 3 || s.size() == 4) {
      const std::string_view sub = s.size() == 4 ? s[3] : std::string_view();
      RouteKind kind;
      std::string_view what;
      if (noun == "experiments" && sub.empty()) kind = RouteKind::kExperiment, what = "experiment";
      else if (noun == "experiments" && sub == "runs") kind = RouteKind::kExperimentRuns, what = "experiment";
      else if (noun == "runs" && sub.empty()) kind = RouteKind::kRun, what = "run";
      else if (noun == "runs" && sub == "diagrams") kind = RouteKind::kRunDiagrams, what = "run";
      else if (noun == "runs" && sub == "drift") kind = RouteKind::kRunDrift, what = "run";
      else if (noun == "clusters" && sub.empty()) kind = RouteKind::kCluster, what = "clustering result";
      else if (noun == "images" && sub.empty()) kind = RouteKind::kImage, what = "invocation";
      else return Status::NotFound("no such page: '" + Shown(path) + "'");
      PANIC_ASSIGN_OR_RETURN(route.id, Id(what, s[2]));
      route.kind = kind;
      return route;
    }
  }
  return Status::NotFound("no such page: '" + Shown(path) + "'");
}

Result<int64_t> ParseBoundedInt(const std::string& name, const std::string& value, int64_t min, int64_t max,
                                int64_t fallback) {
  if (value.empty()) return fallback;
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || v < min || v > max) {
    return Status::InvalidArgument(name + ": '" + Shown(value) + "' is not an integer from " + std::to_string(min) +
                                   " to " + std::to_string(max));
  }
  return v;
}

}  // namespace panic::serve
