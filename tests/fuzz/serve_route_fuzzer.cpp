// libFuzzer target: the dashboard's request parsing (serve/request_parsing.h), the one place
// a request path becomes a route. Properties: a route that takes an id has a lower-case
// UUID; an asset name holds no '/' (nothing names a path below /static/); a page is one of
// the fixed HTML files; every refusal is NotFound or InvalidArgument.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "panic/serve/request_parsing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using panic::serve::RouteKind;
  const std::string_view path(reinterpret_cast<const char*>(data), size);
  auto route = panic::serve::ParseRoute(path);
  if (!route.ok()) {
    const auto code = route.status().code();
    if (code != panic::StatusCode::kNotFound && code != panic::StatusCode::kInvalidArgument) __builtin_trap();
    return 0;
  }
  switch (route->kind) {
    case RouteKind::kPage:
      if (route->name.size() < 6 || route->name.substr(route->name.size() - 5) != ".html") __builtin_trap();
      break;
    case RouteKind::kAsset:
      if (route->name.empty() || route->name.find('/') != std::string::npos) __builtin_trap();
      break;
    case RouteKind::kExperiments:
    case RouteKind::kClusters:
      if (!route->id.empty()) __builtin_trap();
      break;
    default:
      if (!panic::serve::IsUuid(route->id)) __builtin_trap();
      for (char c : route->id) {
        if (c >= 'A' && c <= 'Z') __builtin_trap();
      }
  }
  // The bounded integer parser on the same bytes.
  auto n = panic::serve::ParseBoundedInt("page", std::string(path), 1, 1000, 7);
  if (n.ok() && (*n < 1 || *n > 1000)) __builtin_trap();
  return 0;
}
