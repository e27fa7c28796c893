// The dashboard's answers, independent of HTTP: a parsed route (request_parsing.h) and its
// query parameters in, a status, content type, headers and body out. The server
// (dashboard_server.h) only moves bytes; tests call this directly and through the server.
//
// JSON API (shapes: api_json.h; errors: {"error": message, "status": code}):
//   /api/experiments                       `experiment list --json`
//   /api/experiments/<id>                  `experiment show --json`
//   /api/experiments/<id>/runs?sort=&order=&page=&per_page=
//                                          a page of `run list --json` entries with total
//   /api/runs/<id>                         `run show --json` (steps, loop, diagram models)
//   /api/runs/<id>/diagrams                `run diagram --json` of each embedding model
//   /api/runs/<id>/drift                   per embedding model, each output's drift
//   /api/clusters, /api/clusters/<id>      `cluster list --json`, `cluster show --json`
//   /api/images/<invocation id>            the stored image (ETag, long Cache-Control), or a
//                                          placeholder SVG when the blob does not decode
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "panic/serve/request_parsing.h"
#include "panic/store/database.h"

namespace panic::serve {

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond the server's own
};

// {"error": message, "status": status} with that status.
Reply ErrorReply(int status, const std::string& message);
// 400 for InvalidArgument, 404 for NotFound, 500 otherwise, with the status's message.
Reply StatusReply(const Status& status);

// The placeholder shown for an image whose blob does not decode (image/svg+xml).
extern const char* const kPlaceholderSvg;

using QueryParams = std::map<std::string, std::string>;

// Answers an API route (not kPage / kAsset) from `db`, opened read-only by the caller.
// `if_none_match` is the request's If-None-Match header (images answer 304 when it matches).
Reply AnswerApi(store::Database& db, const Route& route, const QueryParams& params, const std::string& if_none_match);

}  // namespace panic::serve
