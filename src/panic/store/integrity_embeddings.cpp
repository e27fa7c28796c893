// The doctor's embedding checks: vectors missing for an output, of the wrong modality or
// length, or non-finite (the last three in one read of the embeddings), and the repair
// DeleteBadEmbeddings (the pipeline then recomputes what is missing).
#include <bit>
#include <cstring>

#include "panic/store/integrity_check_defs.h"
#include "panic/store/sqlite_db.h"

namespace panic::store::integrity {
namespace {

// Invocations of done-or-stopped runs (no live writer) that lack the vector of an
// embedding model of their experiment's config, for that model's modality.
#define MISSING_EMBEDDINGS_SQL                                                                                   \
  "SELECT i.id AS invocation_id, cfg.value AS model, e.id AS experiment_id FROM experiments e "                  \
  "JOIN json_each(e.embedding_models) cfg JOIN doctor_models m ON m.name = cfg.value AND m.embedding = 1 "       \
  "JOIN runs r ON r.experiment_id = e.id JOIN invocations i ON i.run_id = r.id AND i.type = m.output_type "      \
  "WHERE (?1 = '' OR e.id = ?1) AND e.id NOT IN (SELECT experiment_id FROM doctor_live) AND NOT EXISTS "         \
  "(SELECT 1 FROM embeddings x WHERE x.invocation_id = i.id AND x.embedding_model = cfg.value)"

#define BAD_EMBEDDING_MODALITY_WHERE                                                                        \
  "x.id IN (SELECT x.id FROM embeddings x JOIN invocations i ON i.id = x.invocation_id JOIN doctor_models m " \
  "ON m.name = x.embedding_model WHERE (m.embedding = 0 OR m.output_type != i.type))"
#define BAD_EMBEDDING_LENGTH_WHERE                                                                             \
  "(length(x.vector) = 0 OR length(x.vector) % 4 != 0 OR length(x.vector) != 4 * coalesce((SELECT m.dim FROM " \
  "doctor_models m WHERE m.name = x.embedding_model AND m.embedding = 1), length(x.vector) / 4))"

// The three embedding checks in one sequential read of the embeddings (the vectors are most
// of a large file's bytes): the counts of embedding_wrong_modality, embedding_wrong_length and
// embedding_non_finite, each as its own check's condition (BAD_EMBEDDING_*_WHERE).
#define EMBEDDING_SCAN_SQL                                                                                        \
  "SELECT coalesce(sum(i.id IS NOT NULL AND m.name IS NOT NULL AND (m.embedding = 0 OR m.output_type != "       \
  "i.type)), 0), coalesce(sum(length(x.vector) = 0 OR length(x.vector) % 4 != 0 OR (m.embedding IS 1 AND "       \
  "length(x.vector) != 4 * m.dim)), 0), coalesce(sum(panic_nonfinite_f32(x.vector)), 0) FROM embeddings x "       \
  "LEFT JOIN invocations i ON i.id = x.invocation_id LEFT JOIN doctor_models m ON m.name = x.embedding_model "    \
  "WHERE " IN_SCOPE_INVOCATION("x.invocation_id")

// Whether raw little-endian float32 data holds a NaN or an infinity. A float is non-finite
// exactly when its 8 exponent bits are all ones; each 4 bytes are read as one word (in the
// host's order, so the exponent mask is chosen by the host's endianness) and the test runs
// without a branch over blocks of 16 floats, which the compiler vectorises. Bytes past the
// last whole float are ignored (the length check reports them).
bool HasNonFiniteF32(const unsigned char* p, size_t n) {
  constexpr uint32_t kExponent = std::endian::native == std::endian::little ? 0x7F800000u : 0x0000807Fu;
  constexpr size_t kBlock = 16 * 4;
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    uint32_t w[16];
    std::memcpy(w, p + i, kBlock);
    uint32_t bad = 0;
    for (uint32_t x : w) bad |= static_cast<uint32_t>((x & kExponent) == kExponent);
    if (bad != 0) return true;
  }
  for (; i + 4 <= n; i += 4) {
    uint32_t x = 0;
    std::memcpy(&x, p + i, 4);
    if ((x & kExponent) == kExponent) return true;
  }
  return false;
}

// panic_nonfinite_f32(blob): 1 when the vector holds a NaN or an infinity.
void NonFiniteF32(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto* p = static_cast<const unsigned char*>(sqlite3_value_blob(argv[0]));
  const int n = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int(ctx, p != nullptr && n > 0 && HasNonFiniteF32(p, static_cast<size_t>(n)) ? 1 : 0);
}

}  // namespace

const std::vector<CheckDef>& EmbeddingChecks() {
  static const std::vector<CheckDef> kChecks = {
      {"embedding_missing", "outputs without the vector of an embedding model of their experiment", true, false,
       "SELECT count(*) FROM (" MISSING_EMBEDDINGS_SQL ")",
       "SELECT 'invocation ' || invocation_id || ' under ' || model FROM (" MISSING_EMBEDDINGS_SQL ") LIMIT ?2"},
      {"embedding_wrong_modality", "embeddings of an output the model does not embed (text vs image)", true, false,
       "",
       "SELECT x.id || ' (' || x.embedding_model || ')' FROM embeddings x WHERE " IN_SCOPE_INVOCATION(
           "x.invocation_id") " AND " BAD_EMBEDDING_MODALITY_WHERE " LIMIT ?2", 1},
      {"embedding_wrong_length", "embeddings whose vector length is not the model's dimension", true, false,
       "",
       "SELECT x.id || ' (' || x.embedding_model || ', ' || length(x.vector) || ' bytes)' FROM embeddings x WHERE "
       IN_SCOPE_INVOCATION("x.invocation_id") " AND " BAD_EMBEDDING_LENGTH_WHERE " LIMIT ?2", 2},
      {"embedding_non_finite", "embeddings with a NaN or infinite value", true, false,
       "",
       "SELECT x.id || ' (' || x.embedding_model || ')' FROM embeddings x WHERE " IN_SCOPE_INVOCATION(
           "x.invocation_id") " AND panic_nonfinite_f32(x.vector) LIMIT ?2", 3},
  };
  return kChecks;
}

const std::string& EmbeddingScanSql() {
  static const std::string kSql = EMBEDDING_SCAN_SQL;
  return kSql;
}

const std::string& MissingEmbeddingsSql() {
  static const std::string kSql = MISSING_EMBEDDINGS_SQL;
  return kSql;
}

Status RegisterVectorFunction(SqliteDb& db) {
  if (sqlite3_create_function_v2(db.raw(), "panic_nonfinite_f32", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                 NonFiniteF32, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db.Error("registering panic_nonfinite_f32");
  }
  return Status::Ok();
}

Result<int64_t> DeleteBadEmbeddings(SqliteDb& db, const std::string& experiment_id) {
  return ExecCounting(db,
                      "DELETE FROM embeddings WHERE id IN (SELECT x.id FROM embeddings x WHERE " IN_SCOPE_INVOCATION(
                          "x.invocation_id") " AND (" BAD_EMBEDDING_MODALITY_WHERE " OR " BAD_EMBEDDING_LENGTH_WHERE
                                             " OR panic_nonfinite_f32(x.vector)))",
                      experiment_id);
}

}  // namespace panic::store::integrity
