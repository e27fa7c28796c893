// Row types of the tables in schema.cpp, as the typed store API reads and writes them.
// Images are held encoded (store/image_codec.h); timestamps are ISO-8601 text (core/time.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace panic::store {

struct ExperimentRecord {
  std::string id;
  std::vector<std::vector<std::string>> networks;
  std::vector<int64_t> seeds;
  std::vector<std::string> prompts;
  std::vector<std::string> embedding_models;
  int64_t max_length = 0;
  std::string options_json = "{}";
  std::optional<std::string> started_at;
  std::optional<std::string> completed_at;
  std::string created_at;
  std::string updated_at;
};

// Why a run stopped; stored as text ('length', 'duplicate', 'failed'); NULL while running.
inline constexpr const char* kStopLength = "length";
inline constexpr const char* kStopDuplicate = "duplicate";
inline constexpr const char* kStopFailed = "failed";

struct RunRecord {
  std::string id;
  std::string experiment_id;
  int64_t run_number = 0;
  std::vector<std::string> network;
  int64_t seed = -1;
  int64_t max_length = 0;
  std::string initial_prompt;
  std::optional<std::string> stop_reason;
  std::optional<int64_t> loop_length;
  std::optional<std::string> error;
  std::optional<std::string> completed_at;

  bool finished() const { return stop_reason.has_value() && *stop_reason != kStopFailed; }
};

enum class OutputType { kText, kImage };

struct InvocationRecord {
  std::string id;
  std::string run_id;
  int64_t sequence_number = 0;
  std::string model;
  OutputType type = OutputType::kText;
  int64_t seed = -1;
  std::optional<std::string> input_invocation_id;  // NULL for step 0 (its input is the prompt)
  std::string output_text;                         // when type == kText
  std::string output_image;                        // encoded bytes, when type == kImage
  std::string started_at;
  std::string completed_at;
  // The model call that made it (all invocations of a batch share started_at/completed_at):
  // how many items it had and this one's 0-based place. Absent = unknown (rows before
  // schema version 2).
  std::optional<int64_t> batch_size;
  std::optional<int64_t> batch_position;
};

// How a run ended, written in the same transaction as its last invocation.
struct RunCompletion {
  std::string run_id;
  std::string stop_reason;
  std::optional<int64_t> loop_length;
  std::optional<std::string> error;
  std::string completed_at;
};

struct EmbeddingRecord {
  std::string id;
  std::string invocation_id;
  std::string embedding_model;
  std::vector<float> vector;
  std::string started_at;
  std::string completed_at;
};

struct PersistenceDiagramRecord {
  std::string id;
  std::string run_id;
  std::string embedding_model;
  std::optional<std::string> diagram_data;  // NPZ bytes; absent when failed
  std::optional<std::string> error;
  std::string started_at;
  std::string completed_at;
  // What it was computed from: the number of points and the last step of the trajectory.
  // Absent = unknown (rows before schema version 2): treated as stale.
  std::optional<int64_t> point_count;
  std::optional<int64_t> last_sequence_number;
  std::optional<double> approximation_epsilon;  // absent = exact
};

// Counts for `experiment show`: what exists against what the experiment expects.
struct ExperimentCounts {
  int64_t runs_total = 0;
  int64_t runs_finished = 0;  // stopped by length or duplicate
  int64_t runs_failed = 0;
  int64_t invocations = 0;
  int64_t text_invocations = 0;
  int64_t image_invocations = 0;
  std::map<std::string, int64_t> stop_reasons;     // reason → runs
  std::map<std::string, int64_t> embeddings;       // model → rows
  std::map<std::string, int64_t> diagrams;         // model → rows with data
  std::map<std::string, int64_t> diagram_failures; // model → rows with an error
};

}  // namespace panic::store
