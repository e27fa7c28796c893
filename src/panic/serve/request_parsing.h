// What a dashboard request may say, checked before anything is looked up: the route of a
// path, ids in UUID syntax, bounded integers. Nothing in a request names a file: a path is
// matched against a fixed set of routes, and the only free parts are ids (UUID text) and the
// exact names of embedded assets. Pure functions; fuzzed by tests/fuzz/fuzz_serve_route.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "panic/core/status.h"

namespace panic::serve {

// Request paths longer than this are refused before they are parsed (414).
inline constexpr size_t kMaxPathBytes = 2048;

// 8-4-4-4-12 hexadecimal digits (any case), as store ids are (UUIDv7 text; any UUID is read).
bool IsUuid(std::string_view text);

enum class RouteKind {
  kPage,             // an HTML page: name = "index.html", "experiment.html", …
  kAsset,            // /static/<name>: name = an embedded asset's file name
  kExperiments,      // GET /api/experiments
  kExperiment,       // GET /api/experiments/<id>
  kExperimentRuns,   // GET /api/experiments/<id>/runs
  kRun,              // GET /api/runs/<id>
  kRunDiagrams,      // GET /api/runs/<id>/diagrams
  kRunDrift,         // GET /api/runs/<id>/drift
  kClusters,         // GET /api/clusters
  kCluster,          // GET /api/clusters/<id>
  kImage,            // GET /api/images/<invocation id>
};

struct Route {
  RouteKind kind = RouteKind::kPage;
  std::string name;  // kPage, kAsset
  std::string id;    // the UUID of the routes that take one (lower case)
};

// The route of a request path (without its query string). NotFound for a path that is no
// route; InvalidArgument naming the value when an id is not UUID syntax or the path is too
// long or holds a byte outside printable ASCII. ".." and "%2F" match no route.
Result<Route> ParseRoute(std::string_view path);

// A query parameter as an integer in [min, max]; `fallback` when absent (empty). InvalidArgument
// names the parameter, the value and the range.
Result<int64_t> ParseBoundedInt(const std::string& name, const std::string& value, int64_t min, int64_t max,
                                int64_t fallback);

}  // namespace panic::serve
