// The status word of an experiment, the same in `experiment list`, `experiment show` and the
// dashboard (serve/):
//
//   completed    completed_at is set
//   running      a live writer holds the experiment's lease (store/writer_lease.h): its
//                process exists and its heartbeat is fresh
//   not started  no stage has started, and no writer is live
//   interrupted  not completed and no live writer: stopped by Ctrl-C, a kill, a crash, or a
//                `--stages` subset; `experiment resume` continues
//   incomplete   as interrupted, but runs or diagrams failed; resume retries them
#pragma once

#include <optional>
#include <string>

#include "panic/store/database.h"
#include "panic/store/records.h"
#include "panic/store/writer_lease.h"

namespace panic::engine {

struct ExperimentStatus {
  std::string word;                           // one of the words above
  std::optional<store::LeaseHolder> writer;   // the live writer, when running
  int64_t failures = 0;                       // failed runs + failed diagrams

  // The word with its evidence: "running (process 4711 on host since …)".
  std::string Text() const;
};

Result<ExperimentStatus> DescribeExperimentStatus(store::Database& db, const store::ExperimentRecord& experiment,
                                                  const store::ExperimentCounts& counts);

}  // namespace panic::engine
