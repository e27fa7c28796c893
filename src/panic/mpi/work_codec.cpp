#include "panic/mpi/work_codec.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "panic/engine/diagrams_stage.h"
#include "panic/engine/embeddings_stage.h"
#include "panic/engine/runs_stage.h"
#include "panic/models/python/frame_codec.h"
#include "panic/store/vector_codec.h"

namespace panic::mpi {

bool IsShippedStage(const std::string& stage) {
  for (const char* s : kShippedStages) {
    if (stage == s) return true;
  }
  return false;
}

namespace {

using nlohmann::json;
using models::python::Frame;

const char* TypeName(MessageType t) {
  switch (t) {
    case MessageType::kHello: return "hello";
    case MessageType::kUnit: return "unit";
    case MessageType::kOutput: return "output";
    case MessageType::kBusy: return "busy";
    case MessageType::kError: return "error";
    case MessageType::kStop: return "stop";
    case MessageType::kBye: return "bye";
    case MessageType::kRelease: return "release";
  }
  return "?";
}

json Opt(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
json Opt(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }
json Opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// Appends a blob and returns its index.
size_t Add(Frame& f, std::string bytes) {
  f.blobs.push_back(std::move(bytes));
  return f.blobs.size() - 1;
}

// n × dim float32 little-endian, row after row. REQUIRES: every row has `dim` values.
std::string PackRows(const std::vector<std::vector<float>>& rows, size_t dim) {
  std::vector<float> flat;
  flat.reserve(rows.size() * dim);
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return store::EncodeVector(flat);
}

// ---- encoding --------------------------------------------------------------------

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

Status EncodeDiagramUnit(const engine::DiagramUnit& u, Frame& f, int64_t& items) {
  json tasks = json::array();
  for (const auto& t : u.tasks) {
    const size_t dim = t.vectors.empty() ? 0 : t.vectors.front().size();
    for (const auto& v : t.vectors) {
      if (v.size() != dim) {
        return Status::InvalidArgument("diagram of run " + t.run_id + ": vectors of different lengths cannot travel");
      }
    }
    tasks.push_back({t.run_id, t.model, t.provenance.point_count, t.provenance.last_sequence_number, t.vectors.size(), dim,
                     Add(f, PackRows(t.vectors, dim)), Opt(t.epsilon)});
  }
  const tda::RipsOptions& r = u.rips;
  f.header["tasks"] = std::move(tasks);
  f.header["large"] = u.large;
  f.header["rips"] = {{"maxdim", r.maxdim},
                      {"metric", r.metric == tda::Metric::kCosine ? "cosine" : "euclidean"},
                      {"threshold", std::isnan(r.threshold) ? json(nullptr) : json(r.threshold)},
                      {"threads", r.threads},
                      {"modulus", r.modulus},
                      {"memory_limit_bytes", r.memory_limit_bytes}};
  items = static_cast<int64_t>(u.tasks.size());
  return Status::Ok();
}

Status EncodeDiagramOutput(const engine::DiagramOutput& o, Frame& f, int64_t& items) {
  json list = json::array();
  for (const auto& d : o.diagrams) {
    const auto& r = d.record;
    list.push_back({r.id, r.run_id, r.embedding_model, r.diagram_data ? json(Add(f, *r.diagram_data)) : json(nullptr),
                    Opt(r.error), r.started_at, r.completed_at, Opt(r.point_count), Opt(r.last_sequence_number),
                    Opt(r.approximation_epsilon), d.provenance.point_count, d.provenance.last_sequence_number});
  }
  f.header["diagrams"] = std::move(list);
  items = static_cast<int64_t>(o.diagrams.size());
  return Status::Ok();
}

// A model's input or output: a text as its bytes, an image as raw RGB rows ([w, h, blob]).
json EncodePayload(const models::Payload& p, Frame& f) {
  if (const auto* text = std::get_if<std::string>(&p)) return json{"text", Add(f, *text)};
  const RgbImage& img = std::get<RgbImage>(p);
  return json{"image", Add(f, std::string(img.pixels.begin(), img.pixels.end())), img.width, img.height};
}

const char* LoopDetectionName(engine::LoopDetection m) {
  switch (m) {
    case engine::LoopDetection::kJpegQ30: return "jpeg-q30";
    case engine::LoopDetection::kExact: return "exact";
    case engine::LoopDetection::kOff: return "off";
  }
  return "?";
}

Status EncodeRunStepUnit(const engine::RunStepUnit& u, Frame& f, int64_t& items) {
  json batches = json::array();
  items = 0;
  for (const auto& b : u.batches) {
    if (b.items.size() != b.inputs.size()) return Status::InvalidArgument("a runs batch with items and inputs apart");
    json list = json::array();
    for (size_t i = 0; i < b.items.size(); ++i) {
      const auto& it = b.items[i];
      // An image held as its stored WEBP goes as such ([webp, blob]); the worker decodes it.
      const bool webp = i < b.encoded_inputs.size() && !b.encoded_inputs[i].empty();
      list.push_back({it.run_id, it.seed, it.sequence_number, Opt(it.input_invocation_id), it.detects_loops,
                      webp ? json{"webp", Add(f, b.encoded_inputs[i])} : EncodePayload(b.inputs[i], f)});
    }
    batches.push_back({b.model, std::move(list)});
    items += static_cast<int64_t>(b.items.size());
  }
  f.header["batches"] = std::move(batches);
  f.header["complete_at_length"] = u.complete_at_length;
  f.header["release"] = u.release;
  f.header["chunk"] = u.chunk;
  f.header["loop_detection"] = LoopDetectionName(u.options.loop_detection);
  f.header["webp_quality"] = u.options.webp_quality ? json(*u.options.webp_quality) : json(nullptr);
  return Status::Ok();
}

Status EncodeRunStepOutput(const engine::RunStepOutput& o, Frame& f, int64_t& items) {
  json list = json::array();
  for (const auto& r : o.items) {
    const store::InvocationRecord& rec = r.record;
    const bool image = rec.type == store::OutputType::kImage;
    // An output travels as stored only: a text is what the next step sees; an image is its
    // WEBP, which rank 0 keeps and sends with the next step (RunState::next_input_webp).
    const size_t stored = Add(f, image ? rec.output_image : rec.output_text);
    list.push_back({r.run_id, Opt(r.error), rec.id, rec.sequence_number, rec.model, image ? "image" : "text", rec.seed,
                    Opt(rec.input_invocation_id), stored, rec.started_at, rec.completed_at, Opt(rec.batch_size),
                    Opt(rec.batch_position), r.loop_key});
  }
  f.header["items"] = std::move(list);
  f.header["complete_at_length"] = o.complete_at_length;
  f.header["release"] = o.release;
  f.header["chunk"] = o.chunk;
  items = static_cast<int64_t>(o.items.size());
  return Status::Ok();
}

// ---- decoding: every access checked ----------------------------------------------

// Thrown inside the decoders and turned into Corruption (as nlohmann's own exceptions are).
struct Malformed {
  std::string what;
};

const json& At(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) throw Malformed{std::string("missing field '") + key + "'"};
  return j[key];
}
const json& El(const json& j, size_t i) {
  if (!j.is_array() || i >= j.size()) throw Malformed{"a list is too short (wants element " + std::to_string(i) + ")"};
  return j[i];
}
const json& List(const json& j, size_t n = 0) {
  if (!j.is_array() || j.size() < n) throw Malformed{"expected a list of at least " + std::to_string(n) + " elements"};
  return j;
}
std::string Str(const json& j) {
  if (!j.is_string()) throw Malformed{"expected a string, got " + std::string(j.type_name())};
  return j.get<std::string>();
}
int64_t Int(const json& j) {
  if (!j.is_number_integer()) throw Malformed{"expected an integer, got " + std::string(j.type_name())};
  return j.get<int64_t>();
}
uint64_t Unsigned(const json& j) {
  if (!j.is_number_unsigned()) throw Malformed{"expected a non-negative integer, got " + std::string(j.type_name())};
  return j.get<uint64_t>();
}
double Num(const json& j) {
  if (!j.is_number()) throw Malformed{"expected a number, got " + std::string(j.type_name())};
  return j.get<double>();
}
bool Bool(const json& j) {
  if (!j.is_boolean()) throw Malformed{"expected true or false"};
  return j.get<bool>();
}
std::optional<std::string> OptStr(const json& j) { return j.is_null() ? std::nullopt : std::optional(Str(j)); }
std::optional<int64_t> OptInt(const json& j) { return j.is_null() ? std::nullopt : std::optional(Int(j)); }
std::optional<double> OptNum(const json& j) { return j.is_null() ? std::nullopt : std::optional(Num(j)); }
int SmallInt(const json& j, int lo, int hi, const char* what) {
  const int64_t v = Int(j);
  if (v < lo || v > hi) throw Malformed{std::string(what) + " " + std::to_string(v) + " is out of range"};
  return static_cast<int>(v);
}

// Blob `j` (an index) of the frame, moved out; each blob may be taken once.
std::string TakeBlob(Frame& f, const json& j, std::vector<bool>& taken) {
  const uint64_t i = Unsigned(j);
  if (i >= f.blobs.size()) throw Malformed{"blob " + std::to_string(i) + " of " + std::to_string(f.blobs.size())};
  if (taken[i]) throw Malformed{"blob " + std::to_string(i) + " is used twice"};
  taken[i] = true;
  return std::move(f.blobs[i]);
}

std::vector<float> Floats(std::string_view bytes) {
  auto v = store::DecodeVector(bytes);
  if (!v.ok()) throw Malformed{v.status().message()};
  return std::move(*v);
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

std::any DecodeDiagramUnit(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items) {
  engine::DiagramUnit u;
  u.large = Bool(At(h, "large"));
  const json& r = At(h, "rips");
  u.rips.maxdim = SmallInt(At(r, "maxdim"), 0, 3, "maxdim");
  const std::string metric = Str(At(r, "metric"));
  if (metric != "euclidean" && metric != "cosine") throw Malformed{"metric '" + metric + "'"};
  u.rips.metric = metric == "cosine" ? tda::Metric::kCosine : tda::Metric::kEuclidean;
  const json& threshold = At(r, "threshold");
  u.rips.threshold = threshold.is_null() ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(Num(threshold));
  u.rips.threads = SmallInt(At(r, "threads"), 1, 1024, "threads");
  u.rips.modulus = SmallInt(At(r, "modulus"), 2, 255, "modulus");
  u.rips.memory_limit_bytes = static_cast<size_t>(Unsigned(At(r, "memory_limit_bytes")));
  for (const auto& t : List(At(h, "tasks"))) {
    engine::DiagramTask task;
    task.run_id = Str(El(t, 0));
    task.model = Str(El(t, 1));
    task.provenance.point_count = Int(El(t, 2));
    task.provenance.last_sequence_number = Int(El(t, 3));
    const uint64_t n = Unsigned(El(t, 4)), dim = Unsigned(El(t, 5));
    const std::vector<float> flat = Floats(TakeBlob(f, El(t, 6), taken));
    // n × dim must be the blob's length; checked by division, so it cannot overflow.
    if (dim == 0 ? !flat.empty() || n != 0 : flat.size() % dim != 0 || flat.size() / dim != n) {
      throw Malformed{"task of run " + task.run_id + ": " + std::to_string(flat.size()) + " values are not " +
                      std::to_string(n) + " × " + std::to_string(dim)};
    }
    task.epsilon = OptNum(El(t, 7));
    if (task.epsilon && !(*task.epsilon > 0 && *task.epsilon <= 10)) {
      throw Malformed{"epsilon " + std::to_string(*task.epsilon) + " (0 < ε ≤ 10, or null: exact)"};
    }
    task.vectors.reserve(n);
    for (uint64_t i = 0; i < n; ++i) task.vectors.emplace_back(flat.begin() + i * dim, flat.begin() + (i + 1) * dim);
    u.tasks.push_back(std::move(task));
  }
  items = static_cast<int64_t>(u.tasks.size());
  return u;
}

std::any DecodeDiagramOutput(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items) {
  engine::DiagramOutput o;
  for (const auto& d : List(At(h, "diagrams"))) {
    store::DiagramWrite w;
    w.record.id = Str(El(d, 0));
    w.record.run_id = Str(El(d, 1));
    w.record.embedding_model = Str(El(d, 2));
    if (!El(d, 3).is_null()) w.record.diagram_data = TakeBlob(f, El(d, 3), taken);
    w.record.error = OptStr(El(d, 4));
    w.record.started_at = Str(El(d, 5));
    w.record.completed_at = Str(El(d, 6));
    w.record.point_count = OptInt(El(d, 7));
    w.record.last_sequence_number = OptInt(El(d, 8));
    w.record.approximation_epsilon = OptNum(El(d, 9));
    w.provenance.point_count = Int(El(d, 10));
    w.provenance.last_sequence_number = Int(El(d, 11));
    o.diagrams.push_back(std::move(w));
  }
  items = static_cast<int64_t>(o.diagrams.size());
  return o;
}

std::vector<std::string> Strings(const json& j) {
  std::vector<std::string> out;
  for (const auto& e : List(j)) out.push_back(Str(e));
  return out;
}

models::Payload DecodePayload(const json& j, Frame& f, std::vector<bool>& taken) {
  const std::string kind = Str(El(j, 0));
  if (kind == "text") return TakeBlob(f, El(j, 1), taken);
  if (kind != "image") throw Malformed{"payload kind '" + kind + "' (text or image)"};
  std::string pixels = TakeBlob(f, El(j, 1), taken);
  const int w = SmallInt(El(j, 2), 1, 1 << 16, "image width");
  const int h = SmallInt(El(j, 3), 1, 1 << 16, "image height");
  // w, h ≤ 2^16: w × h × 3 fits in 64 bits.
  if (pixels.size() != static_cast<uint64_t>(w) * static_cast<uint64_t>(h) * 3) {
    throw Malformed{"an image of " + std::to_string(w) + " × " + std::to_string(h) + " with " +
                    std::to_string(pixels.size()) + " bytes of RGB"};
  }
  return RgbImage{w, h, std::vector<uint8_t>(pixels.begin(), pixels.end())};
}

engine::LoopDetection DecodeLoopDetection(const std::string& s) {
  if (s == "jpeg-q30") return engine::LoopDetection::kJpegQ30;
  if (s == "exact") return engine::LoopDetection::kExact;
  if (s == "off") return engine::LoopDetection::kOff;
  throw Malformed{"loop_detection '" + s + "'"};
}

std::any DecodeRunStepUnit(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items) {
  engine::RunStepUnit u;
  items = 0;
  for (const auto& b : List(At(h, "batches"))) {
    engine::RunStepBatch batch;
    batch.model = Str(El(b, 0));
    for (const auto& it : List(El(b, 1))) {
      engine::RunStepItem item;
      item.run_id = Str(El(it, 0));
      item.seed = Int(El(it, 1));
      item.sequence_number = Int(El(it, 2));
      item.input_invocation_id = OptStr(El(it, 3));
      item.detects_loops = Bool(El(it, 4));
      const json& input = El(it, 5);
      if (input.is_array() && !input.empty() && input[0] == "webp") {
        std::string webp = TakeBlob(f, El(input, 1), taken);
        if (webp.empty()) throw Malformed{"an empty WEBP input of run " + item.run_id};
        batch.inputs.push_back(RgbImage{});  // decoded by Execute
        batch.encoded_inputs.push_back(std::move(webp));
      } else {
        batch.inputs.push_back(DecodePayload(input, f, taken));
        batch.encoded_inputs.emplace_back();
      }
      batch.items.push_back(std::move(item));
    }
    // Execute takes the first item of a batch for its log line.
    if (batch.items.empty()) throw Malformed{"a runs batch of model " + batch.model + " without items"};
    items += static_cast<int64_t>(batch.items.size());
    u.batches.push_back(std::move(batch));
  }
  u.complete_at_length = Strings(At(h, "complete_at_length"));
  u.release = Bool(At(h, "release"));
  u.chunk = Unsigned(At(h, "chunk"));
  u.options.loop_detection = DecodeLoopDetection(Str(At(h, "loop_detection")));
  const json& q = At(h, "webp_quality");
  if (!q.is_null()) u.options.webp_quality = SmallInt(q, 0, 100, "webp_quality");
  return u;
}

std::any DecodeRunStepOutput(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items) {
  engine::RunStepOutput o;
  for (const auto& it : List(At(h, "items"))) {
    engine::RunStepItemResult r;
    store::InvocationRecord& rec = r.record;
    r.run_id = Str(El(it, 0));
    r.error = OptStr(El(it, 1));
    rec.id = Str(El(it, 2));
    rec.run_id = r.error ? "" : r.run_id;
    rec.sequence_number = Int(El(it, 3));
    rec.model = Str(El(it, 4));
    const std::string type = Str(El(it, 5));
    if (type != "text" && type != "image") throw Malformed{"output type '" + type + "' (text or image)"};
    rec.type = type == "image" ? store::OutputType::kImage : store::OutputType::kText;
    rec.seed = Int(El(it, 6));
    rec.input_invocation_id = OptStr(El(it, 7));
    (type == "image" ? rec.output_image : rec.output_text) = TakeBlob(f, El(it, 8), taken);
    rec.started_at = Str(El(it, 9));
    rec.completed_at = Str(El(it, 10));
    rec.batch_size = OptInt(El(it, 11));
    rec.batch_position = OptInt(El(it, 12));
    r.loop_key = Str(El(it, 13));
    if (!r.error && type == "text") r.output = rec.output_text;
    if (!r.error && type == "image") {
      // Held as its WEBP (record.output_image) until a rank decodes it for the next step.
      if (rec.output_image.empty()) throw Malformed{"an image output of run " + r.run_id + " without its WEBP"};
      r.output = RgbImage{};
    }
    o.items.push_back(std::move(r));
  }
  o.complete_at_length = Strings(At(h, "complete_at_length"));
  o.release = Bool(At(h, "release"));
  o.chunk = Unsigned(At(h, "chunk"));
  items = static_cast<int64_t>(o.items.size());
  return o;
}

}  // namespace

Result<std::string> EncodeMessage(const Message& m) {
  Frame f;
  f.header["type"] = TypeName(m.type);
  f.header["ticket"] = m.ticket;
  int64_t items = 0;
  try {
    switch (m.type) {
      case MessageType::kHello:
        f.header["options"] = m.options;
        f.header["threads"] = m.threads;
        break;
      case MessageType::kError:
        f.header["error"] = m.error;
        break;
      case MessageType::kStop:
      case MessageType::kBye:
      case MessageType::kBusy:
      case MessageType::kRelease:
        break;
      case MessageType::kUnit:
      case MessageType::kOutput: {
        f.header["stage"] = m.stage;
        const bool unit = m.type == MessageType::kUnit;
        Status s = Status::Ok();
        if (m.stage == "embeddings") {
          s = unit ? EncodeEmbeddingUnit(std::any_cast<const engine::EmbeddingUnit&>(m.payload), f, items)
                   : EncodeEmbeddingOutput(std::any_cast<const engine::EmbeddingOutput&>(m.payload), f, items);
        } else if (m.stage == "diagrams") {
          s = unit ? EncodeDiagramUnit(std::any_cast<const engine::DiagramUnit&>(m.payload), f, items)
                   : EncodeDiagramOutput(std::any_cast<const engine::DiagramOutput&>(m.payload), f, items);
        } else if (m.stage == "runs") {
          s = unit ? EncodeRunStepUnit(std::any_cast<const engine::RunStepUnit&>(m.payload), f, items)
                   : EncodeRunStepOutput(std::any_cast<const engine::RunStepOutput&>(m.payload), f, items);
        } else {
          return Status::InvalidArgument("the units of stage '" + m.stage + "' do not travel between ranks");
        }
        PANIC_RETURN_IF_ERROR(s);
        break;
      }
    }
  } catch (const std::bad_any_cast&) {
    return Status::InvalidArgument("a " + std::string(TypeName(m.type)) + " of stage '" + m.stage + "' of the wrong type");
  }
  (void)items;  // the decoder counts them from what it reads
  return models::python::EncodeFrame(f);
}

Result<Message> DecodeMessage(std::string_view bytes) {
  PANIC_ASSIGN_OR_RETURN(Frame f, models::python::DecodeFrame(bytes));
  Message m;
  try {
    const json& h = f.header;
    const std::string type = Str(At(h, "type"));
    m.ticket = Unsigned(At(h, "ticket"));
    std::vector<bool> taken(f.blobs.size(), false);
    if (type == "hello") {
      m.type = MessageType::kHello;
      m.options = At(h, "options");
      if (!m.options.is_object()) throw Malformed{"options is not an object"};
      m.threads = SmallInt(At(h, "threads"), 1, 1024, "threads");
    } else if (type == "error") {
      m.type = MessageType::kError;
      m.error = Str(At(h, "error"));
    } else if (type == "stop" || type == "bye") {
      m.type = type == "stop" ? MessageType::kStop : MessageType::kBye;
    } else if (type == "busy") {
      m.type = MessageType::kBusy;
    } else if (type == "release") {
      m.type = MessageType::kRelease;
    } else if (type == "unit" || type == "output") {
      m.type = type == "unit" ? MessageType::kUnit : MessageType::kOutput;
      m.stage = Str(At(h, "stage"));
      const bool unit = m.type == MessageType::kUnit;
      if (m.stage == "embeddings") {
        m.payload = unit ? DecodeEmbeddingUnit(h, f, taken, m.items) : DecodeEmbeddingOutput(h, f, taken, m.items);
      } else if (m.stage == "diagrams") {
        m.payload = unit ? DecodeDiagramUnit(h, f, taken, m.items) : DecodeDiagramOutput(h, f, taken, m.items);
      } else if (m.stage == "runs") {
        m.payload = unit ? DecodeRunStepUnit(h, f, taken, m.items) : DecodeRunStepOutput(h, f, taken, m.items);
      } else {
        throw Malformed{"stage '" + m.stage + "' (allowed: runs, embeddings, diagrams)"};
      }
    } else {
      throw Malformed{"message type '" + type + "'"};
    }
  } catch (const Malformed& e) {
    return Status::Corruption("MPI message: " + e.what);
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("MPI message: ") + e.what());
  }
  return m;
}

}  // namespace panic::mpi
