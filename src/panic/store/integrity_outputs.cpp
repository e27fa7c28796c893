// The doctor's output checks: steps without their output, images that are not whole (or,
// with --decode-images, do not decode), and outputs whose type is not their model's. The
// repair is the run's truncation at its first bad step (integrity_runs.cpp).
#include <webp/decode.h>

#include <cstring>
#include <string_view>

#include "panic/store/image_codec.h"
#include "panic/store/integrity_check_defs.h"
#include "panic/store/sqlite_db.h"

namespace panic::store::integrity {
namespace {

#define NULL_OUTPUT_SQL                                                                                        \
  "SELECT run_id, sequence_number, 'NULL output' FROM invocations WHERE " IN_SCOPE_RUN("run_id") " AND "      \
  "((type = 'text' AND output_text IS NULL) OR (type = 'image' AND output_image IS NULL))"
#define BAD_IMAGE_SQL                                                                                            \
  "SELECT run_id, sequence_number, 'image does not decode' FROM invocations WHERE " IN_SCOPE_RUN("run_id") " " \
  "AND type = 'image' AND output_image IS NOT NULL AND NOT panic_image_whole(output_image)"
#define TYPE_MISMATCH_SQL                                                                                          \
  "SELECT i.run_id, i.sequence_number, 'output type differs from the model''s' FROM invocations i JOIN "          \
  "doctor_models m ON m.name = i.model WHERE " IN_SCOPE_RUN("i.run_id") " AND (m.embedding = 1 OR m.output_type " \
  "!= i.type)"

// panic_image_whole(blob): the structural check, and with the function's user data true
// (--decode-images) a full decode as well (store/image_codec.h: a damaged stream is an
// error, not a partial image).
constexpr bool kStructuralOnly = false;
constexpr bool kFullDecode = true;
void ImageWhole(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const void* p = sqlite3_value_blob(argv[0]);
  const int n = sqlite3_value_bytes(argv[0]);
  bool whole = p != nullptr && ImageLooksWhole(p, static_cast<size_t>(n));
  if (whole && *static_cast<const bool*>(sqlite3_user_data(ctx))) {
    whole = DecodeImage(std::string_view(static_cast<const char*>(p), static_cast<size_t>(n))).ok();
  }
  sqlite3_result_int(ctx, whole ? 1 : 0);
}

}  // namespace

const std::vector<CheckDef>& OutputChecks() {
  static const std::vector<CheckDef> kChecks = {
      {"null_output", "invocations without their output", true, false, "SELECT count(*) FROM (" NULL_OUTPUT_SQL ")",
       "SELECT run_id || ' step ' || sequence_number FROM (" NULL_OUTPUT_SQL ") LIMIT ?2"},
      {"undecodable_image", "image outputs that are not a whole WEBP or JPEG", true, false,
       "SELECT count(*) FROM (" BAD_IMAGE_SQL ")",
       "SELECT run_id || ' step ' || sequence_number FROM (" BAD_IMAGE_SQL ") LIMIT ?2"},
      {"output_type_mismatch", "invocations whose output type is not their model's", true, false,
       "SELECT count(*) FROM (" TYPE_MISMATCH_SQL ")",
       "SELECT i.run_id || ' step ' || i.sequence_number || ' (' || i.model || ' gave ' || i.type || ')' FROM "
       "invocations i JOIN doctor_models m ON m.name = i.model WHERE " IN_SCOPE_RUN("i.run_id") " AND (m.embedding "
       "= 1 OR m.output_type != i.type) LIMIT ?2"},
  };
  return kChecks;
}

const std::string& BadOutputStepsSql() {
  static const std::string kSql = NULL_OUTPUT_SQL " UNION ALL " BAD_IMAGE_SQL " UNION ALL " TYPE_MISMATCH_SQL;
  return kSql;
}

Status RegisterImageFunction(SqliteDb& db, bool decode_images) {
  const bool* decode = decode_images ? &kFullDecode : &kStructuralOnly;
  if (sqlite3_create_function_v2(db.raw(), "panic_image_whole", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                 const_cast<bool*>(decode), ImageWhole, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db.Error("registering panic_image_whole");
  }
  return Status::Ok();
}

bool ImageLooksWhole(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  if (size >= 12 && std::memcmp(p, "RIFF", 4) == 0 && std::memcmp(p + 8, "WEBP", 4) == 0) {
    // RIFF size = bytes after the 8-byte header (a chunk may be padded by one byte).
    const uint64_t riff = uint64_t{p[4]} | uint64_t{p[5]} << 8 | uint64_t{p[6]} << 16 | uint64_t{p[7]} << 24;
    if (riff + 8 != size && riff + 9 != size) return false;
    int w = 0, h = 0;
    return WebPGetInfo(p, size, &w, &h) != 0 && w > 0 && h > 0;
  }
  if (size >= 4 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) {
    return p[size - 2] == 0xFF && p[size - 1] == 0xD9;
  }
  return false;
}

}  // namespace panic::store::integrity
