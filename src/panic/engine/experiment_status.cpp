#include "panic/engine/experiment_status.h"

namespace panic::engine {

std::string ExperimentStatus::Text() const {
  if (word == "running" && writer) {
    return "running (process " + std::to_string(writer->pid) + " on " + writer->host + " since " +
           writer->started_at.substr(0, 19) + ")";
  }
  if (word == "interrupted") return "interrupted (resume continues)";
  if (word == "incomplete") return "incomplete (" + std::to_string(failures) + " failed; resume retries)";
  return word;
}

Result<ExperimentStatus> DescribeExperimentStatus(store::Database& db, const store::ExperimentRecord& experiment,
                                                  const store::ExperimentCounts& counts) {
  ExperimentStatus status;
  int64_t diagram_failures = 0;
  for (const auto& [model, n] : counts.diagram_failures) diagram_failures += n;
  status.failures = counts.runs_failed + diagram_failures;
  if (experiment.completed_at) {
    status.word = "completed";
    return status;
  }
  PANIC_ASSIGN_OR_RETURN(status.writer, store::LiveWriter(db, experiment.id));
  if (status.writer) status.word = "running";
  else if (!experiment.started_at) status.word = "not started";
  else status.word = status.failures > 0 ? "incomplete" : "interrupted";
  return status;
}

}  // namespace panic::engine
