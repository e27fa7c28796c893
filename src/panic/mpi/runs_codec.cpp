// The runs stage's units (a lockstep step of a chunk: its inputs, texts as bytes and images
// as their stored WEBP, or raw RGB when only pixels are held) and outputs (the invocations
// as stored, with their loop keys) as MPI frames (stage_codecs.h).
#include "panic/mpi/stage_codecs.h"

namespace panic::mpi::codec {
namespace {

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

}  // namespace

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
  if (u.keep_models) f.header["keep_models"] = true;  // only then: the usual frame stays as it was
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
  if (h.contains("keep_models")) u.keep_models = Bool(h["keep_models"]);
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

}  // namespace panic::mpi::codec
