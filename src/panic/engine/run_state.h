// The in-memory state of one active run, rebuilt from its committed invocations.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "panic/engine/loop_key.h"
#include "panic/models/model.h"
#include "panic/store/database.h"
#include "panic/store/records.h"

namespace panic::engine {

struct RunState {
  store::RunRecord run;
  int64_t next_sequence = 0;                        // the step to produce next
  models::Payload next_input;                       // the prompt, or the last output
  // The last output's stored WEBP when its pixels are not held here: an image step that
  // another rank executed comes back as stored only (docs/MPI.md), and the next step's
  // Execute decodes it. next_input is then an empty image.
  std::string next_input_webp;
  std::optional<std::string> last_invocation_id;    // input_invocation_id of the next step
  std::unordered_map<std::string, int64_t> seen;    // loop key → first step with it

  bool detects_loops(LoopDetection mode) const { return run.seed != -1 && mode != LoopDetection::kOff; }
};

// Rebuilds the state of `run` from its invocations. Corruption when its steps are not
// 0..k-1 or an output cannot be decoded.
Result<RunState> LoadRunState(store::Database& db, const store::RunRecord& run, LoopDetection mode);

// The payload an invocation record holds (images decoded).
Result<models::Payload> DecodeOutput(const store::InvocationRecord& invocation);

}  // namespace panic::engine
