// The embeddings stage's units (batches of stored outputs: texts as bytes, images as their
// stored WEBP) and outputs (vectors as raw float32) as MPI frames (stage_codecs.h).
#include "panic/mpi/stage_codecs.h"

namespace panic::mpi::codec {

Status EncodeEmbeddingUnit(const engine::EmbeddingUnit& u, Frame& f, int64_t& items) {
  json list = json::array();
  for (const auto& it : u.items) {
    const bool image = it.type == store::OutputType::kImage;
    list.push_back({it.invocation_id, image ? "image" : "text", Add(f, image ? it.output_image : it.output_text)});
  }
  f.header["model"] = u.model;
  f.header["batch_size"] = u.batch_size;
  f.header["items"] = std::move(list);
  items = static_cast<int64_t>(u.items.size());
  return Status::Ok();
}

Status EncodeEmbeddingOutput(const engine::EmbeddingOutput& o, Frame& f, int64_t& items) {
  json list = json::array();
  for (const auto& r : o.records) {
    list.push_back({r.id, r.invocation_id, r.embedding_model, r.started_at, r.completed_at, Add(f, store::EncodeVector(r.vector))});
  }
  f.header["records"] = std::move(list);
  f.header["errors"] = o.errors;
  items = static_cast<int64_t>(o.records.size() + o.errors.size());
  return Status::Ok();
}

std::any DecodeEmbeddingUnit(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items) {
  engine::EmbeddingUnit u;
  u.model = Str(At(h, "model"));
  const uint64_t batch = Unsigned(At(h, "batch_size"));
  if (batch < 1 || batch > (uint64_t{1} << 20)) throw Malformed{"batch_size " + std::to_string(batch) + " is out of range"};
  u.batch_size = static_cast<size_t>(batch);
  for (const auto& it : List(At(h, "items"))) {
    engine::EmbeddingItem item;
    item.invocation_id = Str(El(it, 0));
    const std::string type = Str(El(it, 1));
    if (type != "text" && type != "image") throw Malformed{"item type '" + type + "' (text or image)"};
    item.type = type == "image" ? store::OutputType::kImage : store::OutputType::kText;
    (type == "image" ? item.output_image : item.output_text) = TakeBlob(f, El(it, 2), taken);
    u.items.push_back(std::move(item));
  }
  items = static_cast<int64_t>(u.items.size());
  return u;
}

std::any DecodeEmbeddingOutput(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items) {
  engine::EmbeddingOutput o;
  for (const auto& r : List(At(h, "records"))) {
    store::EmbeddingRecord rec;
    rec.id = Str(El(r, 0));
    rec.invocation_id = Str(El(r, 1));
    rec.embedding_model = Str(El(r, 2));
    rec.started_at = Str(El(r, 3));
    rec.completed_at = Str(El(r, 4));
    rec.vector = Floats(TakeBlob(f, El(r, 5), taken));
    o.records.push_back(std::move(rec));
  }
  for (const auto& e : List(At(h, "errors"))) o.errors.push_back(Str(e));
  items = static_cast<int64_t>(o.records.size() + o.errors.size());
  return o;
}

}  // namespace panic::mpi::codec
