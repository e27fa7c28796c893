// The MPI message codec (mpi/work_codec.h): every unit and output type that travels
// comes back field for field, and malformed messages (a blob index out of range, a blob
// used twice, n × dim not the blob's length, a field of the wrong type, truncated bytes,
// a stage that does not travel) are Corruption naming what is wrong; the fuzz seeds reach
// every message type.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "panic/engine/diagrams_stage.h"
#include "panic/engine/embeddings_stage.h"
#include "panic/engine/runs_stage.h"
#include "panic/models/python/frame_codec.h"
#include "panic/mpi/work_codec.h"

namespace panic::mpi {
namespace {

Message RoundTrip(const Message& m) {
  auto bytes = EncodeMessage(m);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto back = DecodeMessage(*bytes);
  EXPECT_TRUE(back.ok()) << back.status().ToString();
  return std::move(*back);
}

TEST(WorkCodecTest, EmbeddingUnitAndOutputComeBackWhole) {
  engine::EmbeddingUnit u{"DummyVision", {}, 3};
  u.items.push_back({"inv-1", store::OutputType::kText, "a text\n\xc3\xa9", ""});
  u.items.push_back({"inv-2", store::OutputType::kImage, "", std::string("RIFF\0\x01WEBP", 10)});
  auto back = RoundTrip({MessageType::kUnit, 7, "embeddings", u, {}, 1, "", 0});
  EXPECT_EQ(back.ticket, 7u);
  EXPECT_EQ(back.items, 2);
  const auto& v = std::any_cast<const engine::EmbeddingUnit&>(back.payload);
  EXPECT_EQ(v.model, "DummyVision");
  EXPECT_EQ(v.batch_size, 3u);
  ASSERT_EQ(v.items.size(), 2u);
  EXPECT_EQ(v.items[0].output_text, u.items[0].output_text);
  EXPECT_EQ(v.items[1].type, store::OutputType::kImage);
  EXPECT_EQ(v.items[1].output_image, u.items[1].output_image);

  engine::EmbeddingOutput o;
  o.records.push_back({"e1", "inv-1", "DummyText", {1.5f, -0.0f, 3e-38f}, "t0", "t1"});
  o.errors.push_back("inv-2: failed");
  auto out = RoundTrip({MessageType::kOutput, 8, "embeddings", o, {}, 1, "", 0});
  const auto& w = std::any_cast<const engine::EmbeddingOutput&>(out.payload);
  ASSERT_EQ(w.records.size(), 1u);
  EXPECT_EQ(w.records[0].vector, o.records[0].vector);
  EXPECT_EQ(w.records[0].completed_at, "t1");
  EXPECT_EQ(w.errors, o.errors);
}

TEST(WorkCodecTest, DiagramUnitAndOutputComeBackWhole) {
  engine::DiagramUnit u;
  u.large = true;
  u.rips.maxdim = 1;
  u.rips.metric = tda::Metric::kCosine;
  u.rips.threshold = 0.25f;
  u.rips.threads = 2;
  u.tasks.push_back({"run-1", "DummyText", {{1, 2, 3}, {4, 5, 6}}, {2, 11}, std::nullopt});
  u.tasks.push_back({"run-2", "DummyText", {}, {0, -1}, 0.1});
  u.memory_bytes = (uint64_t{5} << 32) + 3;  // past 32 bits
  auto back = RoundTrip({MessageType::kUnit, 1, "diagrams", u, {}, 1, "", 0});
  const auto& v = std::any_cast<const engine::DiagramUnit&>(back.payload);
  EXPECT_TRUE(v.large);
  EXPECT_EQ(v.memory_bytes, u.memory_bytes);
  EXPECT_EQ(v.rips.maxdim, 1);
  EXPECT_EQ(v.rips.metric, tda::Metric::kCosine);
  EXPECT_EQ(v.rips.threshold, 0.25f);
  EXPECT_EQ(v.rips.threads, 2);
  ASSERT_EQ(v.tasks.size(), 2u);
  EXPECT_EQ(v.tasks[0].vectors, u.tasks[0].vectors);
  EXPECT_EQ(v.tasks[0].provenance.last_sequence_number, 11);
  EXPECT_TRUE(v.tasks[1].vectors.empty());
  EXPECT_FALSE(v.tasks[0].epsilon);
  EXPECT_EQ(v.tasks[1].epsilon, 0.1);
  engine::DiagramUnit nan_threshold;
  EXPECT_TRUE(std::isnan(std::any_cast<const engine::DiagramUnit&>(
                             RoundTrip({MessageType::kUnit, 1, "diagrams", nan_threshold, {}, 1, "", 0}).payload)
                             .rips.threshold));

  engine::DiagramOutput o;
  store::DiagramWrite ok;
  ok.record = {"d1", "run-1", "DummyText", std::string("PK\0\x03", 4), std::nullopt, "t0", "t1", 2, 11, 0.5};
  ok.provenance = {2, 11};
  store::DiagramWrite failed;
  failed.record = {"d2", "run-2", "DummyText", std::nullopt, "out of memory", "t0", "t1", std::nullopt, std::nullopt,
                   std::nullopt};
  o.diagrams = {ok, failed};
  Message output{MessageType::kOutput, 2, "diagrams", o, {}, 1, "", 0};
  output.memory = uint64_t{3} << 33;  // the worker's memory, measured after the unit
  auto out = RoundTrip(output);
  EXPECT_EQ(out.memory, output.memory);
  const auto& w = std::any_cast<const engine::DiagramOutput&>(out.payload);
  ASSERT_EQ(w.diagrams.size(), 2u);
  EXPECT_EQ(w.diagrams[0].record.diagram_data, ok.record.diagram_data);
  EXPECT_EQ(w.diagrams[0].record.approximation_epsilon, 0.5);
  EXPECT_EQ(w.diagrams[0].provenance.point_count, 2);
  EXPECT_FALSE(w.diagrams[1].record.diagram_data);
  EXPECT_EQ(w.diagrams[1].record.error, "out of memory");
  EXPECT_FALSE(w.diagrams[1].record.point_count);
}

TEST(WorkCodecTest, RunStepUnitAndOutputComeBackWhole) {
  RgbImage img{2, 1, {1, 2, 3, 250, 251, 252}};
  engine::RunStepUnit u;
  u.chunk = 3;
  u.options.loop_detection = engine::LoopDetection::kExact;
  u.options.webp_quality = 80;
  u.complete_at_length = {"run-9"};
  u.batches.push_back({"DummyT2I", {{"run-1", 7, 0, std::nullopt, true}, {"run-2", -1, 4, "inv-3", false}},
                       {models::Payload(std::string("a red fox")), models::Payload(std::string("\xc3\xa9\n"))}, {}});
  u.batches.push_back({"DummyI2T", {{"run-3", 8, 1, "inv-4", true}, {"run-4", 9, 1, "inv-5", true}},
                       {models::Payload(img), models::Payload(RgbImage{})}, {"", "RIFF-webp-of-run-4"}});
  auto back = RoundTrip({MessageType::kUnit, 5, "runs", u, {}, 1, "", 0});
  const auto& v = std::any_cast<const engine::RunStepUnit&>(back.payload);
  EXPECT_EQ(v.chunk, 3u);
  EXPECT_FALSE(v.release);
  EXPECT_EQ(v.options.loop_detection, engine::LoopDetection::kExact);
  EXPECT_EQ(v.options.webp_quality, 80);
  EXPECT_EQ(v.complete_at_length, u.complete_at_length);
  ASSERT_EQ(v.batches.size(), 2u);
  EXPECT_EQ(v.batches[0].model, "DummyT2I");
  ASSERT_EQ(v.batches[0].items.size(), 2u);
  EXPECT_EQ(v.batches[0].items[0].seed, 7);
  EXPECT_FALSE(v.batches[0].items[0].input_invocation_id);
  EXPECT_TRUE(v.batches[0].items[0].detects_loops);
  EXPECT_EQ(v.batches[0].items[1].input_invocation_id, "inv-3");
  EXPECT_EQ(v.batches[0].items[1].sequence_number, 4);
  EXPECT_EQ(std::get<std::string>(v.batches[0].inputs[1]), "\xc3\xa9\n");
  const auto& pixels = std::get<RgbImage>(v.batches[1].inputs[0]);
  EXPECT_EQ(pixels.width, 2);
  EXPECT_EQ(pixels.height, 1);
  EXPECT_EQ(pixels.pixels, img.pixels);
  // An image held as its WEBP travels as such and comes back as such (Execute decodes it).
  ASSERT_EQ(v.batches[1].encoded_inputs.size(), 2u);
  EXPECT_EQ(v.batches[1].encoded_inputs[0], "");
  EXPECT_EQ(v.batches[1].encoded_inputs[1], "RIFF-webp-of-run-4");
  EXPECT_TRUE(std::get<RgbImage>(v.batches[1].inputs[1]).pixels.empty());
  EXPECT_EQ(back.items, 4);
  engine::RunStepUnit release;
  release.release = true;
  EXPECT_TRUE(std::any_cast<const engine::RunStepUnit&>(RoundTrip({MessageType::kUnit, 6, "runs", release, {}, 1, "", 0}).payload)
                  .release);
  EXPECT_FALSE(std::any_cast<const engine::RunStepUnit&>(RoundTrip({MessageType::kUnit, 6, "runs", release, {}, 1, "", 0}).payload)
                   .keep_models);
  release.keep_models = true;  // a release unit on a rank that holds none of its group
  EXPECT_TRUE(std::any_cast<const engine::RunStepUnit&>(RoundTrip({MessageType::kUnit, 6, "runs", release, {}, 1, "", 0}).payload)
                  .keep_models);

  engine::RunStepOutput o;
  o.chunk = 3;
  engine::RunStepItemResult text;
  text.run_id = "run-1";
  text.record = {"inv-10", "run-1", 0, "DummyT2I", store::OutputType::kText, 7, std::nullopt, "words", "", "t0", "t1", 2, 0};
  text.output = std::string("words");
  engine::RunStepItemResult image;
  image.run_id = "run-3";
  image.record = {"inv-11", "run-3", 1, "DummyI2T", store::OutputType::kImage, 8, "inv-4", "", std::string("RIFF\0WEBP", 9),
                  "t0", "t1", 1, 0};
  image.loop_key = std::string(32, '\x07');
  image.output = img;
  engine::RunStepItemResult failed;
  failed.run_id = "run-2";
  failed.error = "DummyT2I failed on its own";
  o.items = {text, image, failed};
  auto out = RoundTrip({MessageType::kOutput, 5, "runs", o, {}, 1, "", 0});
  const auto& w = std::any_cast<const engine::RunStepOutput&>(out.payload);
  EXPECT_EQ(w.chunk, 3u);
  ASSERT_EQ(w.items.size(), 3u);
  EXPECT_EQ(w.items[0].record.id, "inv-10");
  EXPECT_EQ(w.items[0].record.output_text, "words");
  EXPECT_EQ(std::get<std::string>(w.items[0].output), "words");
  EXPECT_EQ(w.items[0].record.batch_size, 2);
  EXPECT_FALSE(w.items[0].record.input_invocation_id);
  EXPECT_EQ(w.items[1].record.type, store::OutputType::kImage);
  EXPECT_EQ(w.items[1].record.output_image, image.record.output_image);
  EXPECT_EQ(w.items[1].record.input_invocation_id, "inv-4");
  EXPECT_EQ(w.items[1].record.run_id, "run-3");
  EXPECT_EQ(w.items[1].loop_key, image.loop_key);
  // Only the WEBP comes back; rank 0 keeps it for the next step (no pixels, no decoding).
  EXPECT_TRUE(std::get<RgbImage>(w.items[1].output).pixels.empty());
  EXPECT_EQ(w.items[2].error, failed.error);
}

TEST(WorkCodecTest, HelloMemoryErrorStopAndBye) {
  Message hello{MessageType::kHello, 0, "", {}, {}, 4, "", 0};
  hello.options = {{"embedding_batch_size", 2}};
  auto h = RoundTrip(hello);
  EXPECT_EQ(h.type, MessageType::kHello);
  EXPECT_EQ(h.options, hello.options);
  EXPECT_EQ(h.threads, 4);
  Message error{MessageType::kError, 9, "", {}, {}, 1, "model failed", 0};
  error.memory = 123456789;
  auto e = RoundTrip(error);
  EXPECT_EQ(e.error, "model failed");
  EXPECT_EQ(e.memory, 123456789u);
  // The answer to hello: the memory the worker can use.
  Message memory{MessageType::kMemory, 0, "", {}, {}, 1, "", 0};
  memory.memory = uint64_t{24} << 30;
  auto mem = RoundTrip(memory);
  EXPECT_EQ(mem.type, MessageType::kMemory);
  EXPECT_EQ(mem.memory, uint64_t{24} << 30);
  EXPECT_EQ(RoundTrip({MessageType::kStop, 0, "", {}, {}, 1, "", 0}).type, MessageType::kStop);
  EXPECT_EQ(RoundTrip({MessageType::kBye, 0, "", {}, {}, 1, "", 0}).type, MessageType::kBye);
  EXPECT_EQ(RoundTrip({MessageType::kRelease, 0, "", {}, {}, 1, "", 0}).type, MessageType::kRelease);
  // A stage whose units do not travel, or a payload of another type: refused on encoding.
  EXPECT_FALSE(EncodeMessage({MessageType::kUnit, 0, "lyapunov", engine::DiagramUnit{}, {}, 1, "", 0}).ok());
  EXPECT_FALSE(EncodeMessage({MessageType::kUnit, 0, "runs", engine::DiagramUnit{}, {}, 1, "", 0}).ok());
  EXPECT_EQ(RoundTrip({MessageType::kBusy, 12, "", {}, {}, 1, "", 0}).ticket, 12u);
  EXPECT_FALSE(EncodeMessage({MessageType::kUnit, 0, "diagrams", engine::EmbeddingUnit{}, {}, 1, "", 0}).ok());
}

// A frame with this header and these blobs, decoded as a message.
Status Decode(const nlohmann::json& header, std::vector<std::string> blobs = {}) {
  models::python::Frame f;
  f.header = header;
  f.blobs = std::move(blobs);
  return DecodeMessage(models::python::EncodeFrame(f)).status();
}

void ExpectCorruption(const Status& s, const std::string& says) {
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find(says), std::string::npos) << s.ToString();
}

TEST(WorkCodecTest, MalformedMessagesAreCorruptionNamingTheFault) {
  const nlohmann::json rips = {{"maxdim", 1}, {"metric", "euclidean"}, {"threshold", nullptr}, {"threads", 1},
                               {"modulus", 2}, {"memory_limit_bytes", 1024}};
  auto unit = [&](nlohmann::json tasks) {
    return nlohmann::json{{"type", "unit"}, {"ticket", 1}, {"stage", "diagrams"}, {"large", false}, {"rips", rips},
                          {"memory_bytes", 0}, {"tasks", std::move(tasks)}};
  };
  const std::string six(24, '\0');  // 6 float32
  EXPECT_TRUE(Decode(unit({{"r", "m", 2, 1, 2, 3, 0, nullptr}}), {six}).ok());
  ExpectCorruption(Decode(unit({{"r", "m", 2, 1, 2, 3, 1, nullptr}}), {six}), "blob 1 of 1");
  ExpectCorruption(Decode(unit({{"r", "m", 2, 1, 3, 3, 0, nullptr}}), {six}), "6 values are not 3 × 3");
  ExpectCorruption(Decode(unit({{"r", "m", 2, 1, 2, 3, 0, nullptr}, {"r", "m", 2, 1, 2, 3, 0, nullptr}}), {six}), "used twice");
  ExpectCorruption(Decode(unit({{"r", "m", 2, 1, 2, 0, 0, nullptr}}), {six}), "not 2 × 0");
  ExpectCorruption(Decode(unit({{"r", "m", 2, 1, 2}})), "too short");
  ExpectCorruption(Decode(unit({{"r", "m", 2, 1, 2, 3, 0, -1.0}}), {six}), "epsilon");
  ExpectCorruption(Decode(unit({{"r", 5, 2, 1, 2, 3, 0, nullptr}}), {six}), "expected a string");
  ExpectCorruption(Decode(unit({{"r", "m", 2, 1, -2, 3, 0, nullptr}}), {six}), "non-negative");
  ExpectCorruption(Decode(unit({{"r", "m", 2, 1, 1, 1, 0, nullptr}}), {"abc"}), "");  // not whole float32s
  ExpectCorruption(Decode({{"type", "unit"}, {"ticket", 1}, {"stage", "lyapunov"}}), "stage 'lyapunov'");
  // A runs step: an image input whose pixels are not width × height × 3.
  auto step = [](nlohmann::json input) {
    return nlohmann::json{{"type", "unit"}, {"ticket", 1}, {"stage", "runs"}, {"complete_at_length", nlohmann::json::array()},
                          {"release", false}, {"chunk", 1}, {"loop_detection", "off"}, {"webp_quality", nullptr},
                          {"batches", nlohmann::json::array({nlohmann::json::array(
                                          {"DummyI2T", {{"r", 1, 0, nullptr, false, std::move(input)}}})})}};
  };
  EXPECT_TRUE(Decode(step({"image", 0, 2, 1}), {std::string(6, 'x')}).ok());
  ExpectCorruption(Decode(step({"image", 0, 2, 2}), {std::string(6, 'x')}), "2 × 2 with 6 bytes");
  ExpectCorruption(Decode(step({"image", 0, 0, 2}), {""}), "image width 0");
  ExpectCorruption(Decode(step({"video", 0}), {""}), "payload kind 'video'");
  auto bad_mode = step({"text", 0});
  bad_mode["loop_detection"] = "fuzzy";
  ExpectCorruption(Decode(bad_mode, {"t"}), "loop_detection 'fuzzy'");
  ExpectCorruption(Decode({{"type", "shout"}, {"ticket", 1}}), "message type 'shout'");
  ExpectCorruption(Decode({{"type", "hello"}, {"ticket", 1}, {"options", 3}, {"threads", 1}}), "not an object");
  ExpectCorruption(Decode({{"type", "hello"}, {"ticket", 1}, {"options", nlohmann::json::object()}, {"threads", 0}}),
                   "threads 0");
  ExpectCorruption(Decode({{"ticket", 1}}), "missing field 'type'");
  ExpectCorruption(Decode({{"type", "memory"}, {"ticket", 0}, {"memory", -1}}), "non-negative");
  ExpectCorruption(Decode({{"type", "error"}, {"ticket", 0}, {"error", "x"}}), "missing field 'memory'");
  auto no_estimate = unit({{"r", "m", 2, 1, 2, 3, 0, nullptr}});
  no_estimate.erase("memory_bytes");
  ExpectCorruption(Decode(no_estimate, {six}), "missing field 'memory_bytes'");
  auto whole = EncodeMessage({MessageType::kStop, 0, "", {}, {}, 1, "", 0});
  ASSERT_TRUE(whole.ok());
  EXPECT_FALSE(DecodeMessage(std::string_view(*whole).substr(0, whole->size() - 1)).ok());
}

// The fuzz target's seeds (tests/fuzz/corpus/mpi_message) reach every message type: each
// seed but the deliberately bad ones decodes, and together they hold each type once.
TEST(WorkCodecTest, FuzzSeedsCoverEveryMessageType) {
  std::set<MessageType> seen;
  for (const auto& e : std::filesystem::directory_iterator(std::string(PANIC_SOURCE_DIR) + "/tests/fuzz/corpus/mpi_message")) {
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto m = DecodeMessage(bytes);
    if (e.path().filename().string().rfind("bad_", 0) == 0) {
      EXPECT_FALSE(m.ok()) << e.path();
      continue;
    }
    ASSERT_TRUE(m.ok()) << e.path() << ": " << m.status().ToString();
    seen.insert(m->type);
  }
  for (MessageType t : {MessageType::kHello, MessageType::kUnit, MessageType::kOutput, MessageType::kBusy,
                        MessageType::kError, MessageType::kStop, MessageType::kBye, MessageType::kRelease,
                        MessageType::kMemory}) {
    EXPECT_TRUE(seen.count(t)) << "no seed of message type " << static_cast<int>(t);
  }
}

}  // namespace
}  // namespace panic::mpi
