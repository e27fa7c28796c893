#include "panic/store/embedding_scan.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "panic/store/analysis_tables.h"
#include "panic/store/sqlite_db.h"
#include "panic/store/vector_codec.h"

namespace panic::store {
namespace {

// Wanted rowids closer than this are read by one range scan (the rows between them are
// stepped over); a larger gap starts a new range with a seek. Rows of one page sit within a
// few rowids, so a gap this size skips at most a few pages' worth of unwanted rows.
constexpr int64_t kMaxGap = 64;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Invocation id → index into a list, by open addressing over a power-of-two table that is
// at least twice the count (so probes stay short). Keys live in the caller's storage.
class IdIndex {
 public:
  template <typename KeyOf>
  void Build(size_t count, KeyOf&& key_of) {
    size_t size = 16;
    while (size < 2 * count) size *= 2;
    mask_ = size - 1;
    slots_.assign(size, 0);
    for (size_t i = 0; i < count; ++i) {
      size_t h = std::hash<std::string_view>{}(key_of(i)) & mask_;
      while (slots_[h] != 0) h = (h + 1) & mask_;
      slots_[h] = static_cast<uint32_t>(i + 1);
    }
  }
  // The index of `key`, or -1.
  template <typename KeyOf>
  int64_t Find(std::string_view key, KeyOf&& key_of) const {
    for (size_t h = std::hash<std::string_view>{}(key) & mask_;; h = (h + 1) & mask_) {
      const uint32_t s = slots_[h];
      if (s == 0) return -1;
      if (key_of(s - 1) == key) return s - 1;
    }
  }

 private:
  size_t mask_ = 0;
  std::vector<uint32_t> slots_;  // index + 1; 0 = empty
};

Status DamagedVector(SqliteDb& db, int64_t rowid, const Status& decoded) {
  std::string id = "rowid " + std::to_string(rowid);
  if (auto q = db.Prepare("SELECT id FROM embeddings WHERE rowid = ?"); q.ok()) {
    (*q)->Bind(1, rowid);
    if (auto row = (*q)->Step(); row.ok() && *row) id = (*q)->Text(0);
    (*q)->Reset();
  }
  return Status::Corruption("embeddings row " + id + ": damaged vector: " + decoded.message());
}

}  // namespace

Result<EmbeddingScan> EmbeddingScan::Prepare(SqliteDb& db, const std::string& experiment_id,
                                             const std::optional<std::string>& model) {
  EmbeddingScan s;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> run_of;
  {
    PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT id FROM runs WHERE experiment_id = ? ORDER BY run_number"));
    q->Bind(1, experiment_id);
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
      run_of.emplace(row.Text(0), static_cast<uint32_t>(s.run_ids_.size()));
      s.run_ids_.push_back(row.Text(0));
      return Status::Ok();
    }));
  }
  PANIC_ASSIGN_OR_RETURN(s.models_, analysis_reads::EmbeddingModelNames(db, model));  // as ForEachEmbedding
  if (s.run_ids_.empty() || s.models_.empty()) return s;

  // 1. The experiment's invocations, by a full scan of the table's leading columns (the
  //    image bytes further along a row are not read).
  {
    PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT run_id, id, sequence_number, type FROM invocations"));
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
      auto run = run_of.find(row.View(0));
      if (run == run_of.end()) return Status::Ok();
      const std::string_view id = row.View(1);
      s.invocations_.push_back({run->second, row.View(3) == "image" ? OutputType::kImage : OutputType::kText,
                                row.Int(2), s.ids_.size(), static_cast<uint32_t>(id.size())});
      s.ids_.append(id);
      return Status::Ok();
    }));
  }
  IdIndex by_id;
  auto id_of = [&](size_t i) { return s.invocation_id(static_cast<uint32_t>(i)); };
  by_id.Build(s.invocations_.size(), id_of);

  // 2. The experiment's embeddings by a scan of the (invocation_id, embedding_model) index
  //    alone: SQLite's planner picks it as the smallest index that covers the query, so no
  //    table row (no vector) is read. (Any plan gives the same rows.)
  s.first_.assign(s.run_ids_.size() * s.models_.size(), First{});
  {
    PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
        "SELECT invocation_id, embedding_model, rowid FROM embeddings"));
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
      const int64_t inv = by_id.Find(row.View(0), id_of);
      if (inv < 0) return Status::Ok();
      const std::string_view name = row.View(1);
      const auto m = std::find(s.models_.begin(), s.models_.end(), name);
      if (m == s.models_.end()) return Status::Ok();
      const Invocation& i = s.invocations_[static_cast<size_t>(inv)];
      const auto model_index = static_cast<uint32_t>(m - s.models_.begin());
      const int64_t rowid = row.Int(2);
      s.wanted_.push_back({rowid, static_cast<uint32_t>(inv), model_index});
      First& f = s.first_[i.run * s.models_.size() + model_index];
      if (!f.present || i.sequence_number < f.sequence_number) {
        f.present = true;
        f.sequence_number = i.sequence_number;
        f.type = i.type;
        f.rowid = rowid;
      }
      ++f.count;
      return Status::Ok();
    }));
  }
  std::sort(s.wanted_.begin(), s.wanted_.end(), [](const Wanted& a, const Wanted& b) { return a.rowid < b.rowid; });
  return s;
}

void EmbeddingScan::Row::CopyTo(float* out) const {
  // The stored layout is raw little-endian float32 (vector_codec.h; little-endian builds only).
  if (!blob.empty()) std::memcpy(out, blob.data(), blob.size());
}

std::vector<float> EmbeddingScan::Row::Vector() const {
  std::vector<float> out(size());
  CopyTo(out.data());
  return out;
}

std::string_view EmbeddingScan::invocation_id(uint32_t invocation) const {
  const Invocation& i = invocations_[invocation];
  return std::string_view(ids_).substr(i.id_offset, i.id_size);
}

Result<std::vector<float>> EmbeddingScan::FirstVector(SqliteDb& db, uint32_t run, uint32_t model) const {
  const First& f = first(run, model);
  if (!f.present) return Status::NotFound("run " + run_ids_[run] + " has no embedding under " + models_[model]);
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT vector FROM embeddings WHERE rowid = ?"));
  q->Bind(1, f.rowid);
  PANIC_ASSIGN_OR_RETURN(bool found, q->Step());
  if (!found) return Status::Internal("embeddings rowid " + std::to_string(f.rowid) + " vanished within a read");
  std::vector<float> out;
  Status decoded = DecodeVectorInto(q->View(0), out);
  q->Reset();
  if (!decoded.ok()) return DamagedVector(db, f.rowid, decoded);
  return out;
}

Status EmbeddingScan::ForEach(SqliteDb& db, const std::function<Status(const Row&)>& fn) const {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT rowid, vector FROM embeddings WHERE rowid BETWEEN ?1 AND ?2"));
  std::vector<float> buffer;  // for the error message of a damaged blob
  Row r;
  size_t next = 0;  // wanted_[next] is the next row to hand over
  while (next < wanted_.size()) {
    size_t end = next + 1;  // the range is wanted_[next, end)
    while (end < wanted_.size() && wanted_[end].rowid - wanted_[end - 1].rowid <= kMaxGap) ++end;
    q->Bind(1, wanted_[next].rowid).Bind(2, wanted_[end - 1].rowid);
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
      if (next >= end || row.Int(0) != wanted_[next].rowid) return Status::Ok();  // a row of no interest
      const Wanted& w = wanted_[next++];
      r.blob = row.View(1);
      if (r.blob.size() % sizeof(float) != 0) {
        return DamagedVector(db, w.rowid, DecodeVectorInto(r.blob, buffer));
      }
      const Invocation& i = invocations_[w.invocation];
      r.run = i.run;
      r.model = w.model;
      r.invocation = w.invocation;
      r.sequence_number = i.sequence_number;
      return fn(r);
    }));
    // Every wanted row exists in the snapshot that listed it: none may be left behind.
    if (next != end) {
      return Status::Internal("embeddings rowid " + std::to_string(wanted_[next].rowid) + " vanished within a read");
    }
  }
  return Status::Ok();
}

}  // namespace panic::store
