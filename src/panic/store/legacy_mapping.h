// The row mapping of `panic-tda import` (issue 13; shared/LEGACY-FORMATS.md): a row of a
// Python-era (or Elixir-era) table, as its column values, becomes a record of ours. Pure
// functions over bytes from outside: every field is checked, sizes are capped, and a value
// that cannot be mapped is an error naming the column (the importer skips the row and
// reports it). Fuzzed by tests/fuzz/legacy_row_fuzzer.cpp.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/records.h"

namespace panic::store::legacy {

// Caps on single values (far above anything either era wrote).
inline constexpr size_t kMaxJsonBytes = size_t{16} << 20;     // a config's JSON lists
inline constexpr size_t kMaxVectorBytes = size_t{16} << 20;   // 4 M floats
inline constexpr size_t kMaxTextBytes = size_t{64} << 20;     // an output text or prompt
inline constexpr size_t kMaxBlobBytes = size_t{1} << 30;      // an image or diagram blob

// One column value of a source row: NULL, or its bytes (integers as decimal text).
using Value = std::optional<std::string>;

// A source row: its rowid and its values in the order the reader's query names them.
struct SourceRow {
  int64_t rowid = 0;
  std::vector<Value> values;
};

// An id: 32 hex digits (the Python era) or a hyphenated UUID (8-4-4-4-12), either case →
// the canonical lower-case hyphenated form. InvalidArgument naming `column` otherwise.
Result<std::string> CanonicalId(const Value& v, const char* column);

// A Python-era timestamp "YYYY-MM-DD HH:MM:SS[.ffffff]" (also with 'T', a zone suffix is
// refused) → ours, "YYYY-MM-DDTHH:MM:SS.ffffffZ". The 'Z' is nominal: the Python engine
// wrote local and UTC times alike, so the import records the zone as unknown
// (legacy_imports.time_zone).
Result<std::string> PythonTime(std::string_view text, const char* column);
// An Elixir-era timestamp (ISO-8601 with 'Z', with or without microseconds) → ours.
Result<std::string> ElixirTime(std::string_view text, const char* column);

// 'TEXT'/'IMAGE' (the Python enum names) or 'text'/'image' → ours.
Result<OutputType> OutputTypeOf(const Value& v, const char* column);

// An integer column (SQLite integer, or its decimal text).
Result<int64_t> IntegerOf(const Value& v, const char* column);

// A JSON list column, checked for its shape: a list of lists of strings (networks), of
// integers (seeds) or of strings (prompts, models); capped at kMaxJsonBytes.
Result<std::vector<std::vector<std::string>>> StringListsOf(const Value& v, const char* column);
Result<std::vector<std::string>> StringsOf(const Value& v, const char* column);
Result<std::vector<int64_t>> IntegersOf(const Value& v, const char* column);

// A raw little-endian float32 vector: a non-empty multiple of 4 bytes within the cap.
// NotFound for NULL (old Python files wrote NULL vectors: the row is skipped as such).
Result<std::string> VectorBytes(const Value& v);

// A Python-era diagram blob (numpy.savez_compressed: deflate, zip64, extra gens_* and
// *_meta keys) → our NPZ layout (store/npz_codec.h), with the number of bars.
// NotFound for NULL (the computation failed); Corruption for bytes that do not decode.
Result<std::string> PythonDiagram(const Value& v);

// The rows of the Python era's tables, in the column order of python_era_source.cpp's
// queries, mapped to our records. Ids gain hyphens; times are converted; foreign ids are
// canonical (they are checked against the target by the importer).
Result<ExperimentRecord> PythonExperiment(const SourceRow& row);   // id networks seeds prompts embedding_models max_length started_at completed_at
Result<RunRecord> PythonRun(const SourceRow& row);                 // id network seed max_length initial_prompt experiment_id
// An invocation; output_missing when the output column of its type was NULL (kept so: the
// doctor reports it, the import does not invent an output).
struct InvocationRow {
  InvocationRecord record;
  bool output_missing = false;
};
Result<InvocationRow> PythonInvocation(const SourceRow& row);   // id started_at completed_at model type seed run_id sequence_number input_invocation_id output_text output_image_data
struct EmbeddingRow {
  std::string id, invocation_id, embedding_model, vector, started_at, completed_at;
};
Result<EmbeddingRow> PythonEmbedding(const SourceRow& row);        // id started_at completed_at invocation_id embedding_model vector
Result<PersistenceDiagramRecord> PythonDiagramRow(const SourceRow& row);  // id started_at completed_at diagram_data run_id embedding_model
struct ClusteringRow {
  std::string id, embedding_model, algorithm, parameters, started_at;
  std::optional<std::string> completed_at;
};
Result<ClusteringRow> PythonClustering(const SourceRow& row);      // id created_at started_at completed_at embedding_model algorithm parameters
struct AssignmentRow {
  std::string id, embedding_id, clustering_result_id;
  std::optional<std::string> medoid_embedding_id;  // NULL: an outlier
};
Result<AssignmentRow> PythonAssignment(const SourceRow& row);      // id embedding_id clustering_result_id medoid_embedding_id

// The Elixir era's rows (ids already hyphenated, ISO times with 'Z', every run unseeded):
// num_runs becomes that many seeds of -1; an AVIF output is decoded and stored as lossless
// WEBP of its pixels; an ETF diagram is decoded into our NPZ layout; a clustering's layer
// joins its parameters.
Result<ExperimentRecord> ElixirExperiment(const SourceRow& row);  // id networks num_runs prompts embedding_models max_length started_at completed_at
Result<RunRecord> ElixirRun(const SourceRow& row);                // id network run_number max_length initial_prompt experiment_id
Result<InvocationRow> ElixirInvocation(const SourceRow& row);     // id started_at completed_at model type run_id sequence_number input_invocation_id output_text output_image
Result<EmbeddingRow> ElixirEmbedding(const SourceRow& row);       // id started_at completed_at invocation_id embedding_model vector
Result<PersistenceDiagramRecord> ElixirDiagramRow(const SourceRow& row);  // id started_at completed_at diagram_data run_id embedding_model
Result<ClusteringRow> ElixirClustering(const SourceRow& row);     // id started_at completed_at embedding_model algorithm parameters layer
// An Elixir Lyapunov row (its `lyapunov_data` ETF decoded, `:inf` atoms, compressed or not)
// as our lyapunov_results record. Kept exactly: the id, experiment, network, prompt
// (initial_prompt; other_prompt ''), embedding model, num_pairs, num_timesteps, exponent,
// r_squared (nil → NaN, stored NULL), the curve (float64, as Erlang held it) and
// completed_at (computed_at; else started_at). Derived: num_runs m from num_pairs =
// m(m−1)/2 (Elixir paired every two runs of its group; a num_pairs that is no such number
// is undecodable). Left for the importer: intercept and the bounded fit (our analysis of the
// curve; NaN/"degenerate" here) and runs_fingerprint (kElixirLyapunovFingerprint until
// the import matches the result to our lyapunov stage's group). `started_at` has no column
// in our table: returned beside the record (docs/IMPORT.md says what is lost).
struct LyapunovRow {
  LyapunovRecord record;
  std::string started_at;
};
inline constexpr const char* kElixirLyapunovFingerprint = "elixir-import";
inline constexpr int64_t kMaxLyapunovPairs = int64_t{1} << 40;  // 2^40 pairs: m ≤ 1.5 M runs
Result<LyapunovRow> ElixirLyapunovRow(const SourceRow& row);  // id experiment_id embedding_model network prompt lyapunov_data started_at completed_at

}  // namespace panic::store::legacy
