#include "panic/engine/run_state.h"

#include "panic/engine/loop_key.h"
#include "panic/store/image_codec.h"
#include "panic/store/invocations_table.h"

namespace panic::engine {

Result<models::Payload> DecodeOutput(const store::InvocationRecord& inv) {
  if (inv.type == store::OutputType::kText) return models::Payload(inv.output_text);
  auto img = store::DecodeImage(inv.output_image);
  if (!img.ok()) return img.status().WithContext("invocation " + inv.id + " (run " + inv.run_id + " step " +
                                                 std::to_string(inv.sequence_number) + ")");
  return models::Payload(std::move(img).value());
}

Result<RunState> LoadRunState(store::Database& db, const store::RunRecord& run, LoopDetection mode) {
  RunState state;
  state.run = run;
  state.next_input = run.initial_prompt;
  PANIC_ASSIGN_OR_RETURN(auto invocations, db.Read([&](store::SqliteDb& c) {
    return store::invocations::ListForRun(c, run.id, /*with_outputs=*/true);
  }));
  for (size_t i = 0; i < invocations.size(); ++i) {
    const auto& inv = invocations[i];
    if (inv.sequence_number != static_cast<int64_t>(i)) {
      return Status::Corruption("run " + run.id + " is missing step " + std::to_string(i) +
                                " (found step " + std::to_string(inv.sequence_number) + ")");
    }
    const bool last = i + 1 == invocations.size();
    if (!last && !state.detects_loops(mode)) continue;  // only the last output matters then
    PANIC_ASSIGN_OR_RETURN(models::Payload out, DecodeOutput(inv));
    if (state.detects_loops(mode)) {
      PANIC_ASSIGN_OR_RETURN(std::string key, LoopKey(out, mode));
      state.seen.emplace(std::move(key), inv.sequence_number);
    }
    if (last) state.next_input = std::move(out);
  }
  state.next_sequence = static_cast<int64_t>(invocations.size());
  if (!invocations.empty()) state.last_invocation_id = invocations.back().id;
  return state;
}

}  // namespace panic::engine
