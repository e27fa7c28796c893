// The read-only queries of the dashboard (`panic-tda serve`, docs/SERVE.md) that the per-table
// files do not have: a sorted, paged page of an experiment's runs with their lengths, and one
// invocation's stored image. Everything else the dashboard shows comes from the per-table
// queries, the same as the CLI's `--json`. Nothing here writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/records.h"

namespace panic::store {
class SqliteDb;

namespace dashboard {

// The columns a runs page may be sorted by (ties broken by run number).
enum class RunSort { kNumber, kLength, kSeed, kStopReason, kLoopLength, kNetwork };

// "number", "length", "seed", "stop_reason", "loop_length", "network"; InvalidArgument otherwise,
// naming the value and the allowed ones.
Result<RunSort> ParseRunSort(const std::string& name);

struct RunsPageQuery {
  std::string experiment_id;
  RunSort sort = RunSort::kNumber;
  bool descending = false;
  int64_t offset = 0;  // runs skipped
  int64_t limit = 50;  // runs returned at most
};

struct RunWithLength {
  RunRecord run;
  int64_t length = 0;  // the run's invocations (steps so far)
};

struct RunsPage {
  int64_t total = 0;  // runs of the experiment
  std::vector<RunWithLength> runs;
};

// One page of the experiment's runs. A length sort counts every run's invocations through
// the (run_id, sequence_number) index; the other sorts count only the page's.
Result<RunsPage> ListRunsPage(SqliteDb& db, const RunsPageQuery& query);

struct StoredImage {
  std::string bytes;  // as stored (WEBP; JPEG/AVIF from imports are decoded the same way)
};

// The image output of invocation `id`. NotFound when there is no such invocation or its
// output is text.
Result<StoredImage> InvocationImage(SqliteDb& db, const std::string& id);

// A member of a cluster, to show as an example: its invocation, and for a text output the
// image it was made from (the invocation's input), when that is an image.
struct ClusterExample {
  std::string invocation_id;
  std::string type;  // "text" or "image"
  std::string output_text;
  std::optional<std::string> input_image_invocation_id;
};

// Up to `limit` members of cluster `label` of clustering result `result_id`, in the order
// stored.
Result<std::vector<ClusterExample>> ClusterExamples(SqliteDb& db, const std::string& result_id, int64_t label,
                                                    int64_t limit);

}  // namespace dashboard
}  // namespace panic::store
