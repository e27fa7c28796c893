#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "panic/models/onnx/batching.h"
#include "panic/models/onnx/image_preprocess.h"
#include "panic/models/onnx/onnx_genai_models.h"
#include "panic/models/onnx/seeded_random.h"

namespace panic::models::onnx {
namespace {

// log-softmax of one row of logits (after dividing by `temperature`).
std::vector<double> LogSoftmax(const float* logits, size_t n, double temperature) {
  std::vector<double> out(n);
  double top = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < n; ++i) top = std::max(top, logits[i] / temperature);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::exp(logits[i] / temperature - top);
  const double log_sum = std::log(sum) + top;
  for (size_t i = 0; i < n; ++i) out[i] = logits[i] / temperature - log_sum;
  return out;
}

// Draws an index from exp(logp), keeping only the top_k most likely (0: all).
int64_t Sample(const std::vector<double>& logp, int top_k, SeededRandom& random) {
  std::vector<size_t> order(logp.size());
  std::iota(order.begin(), order.end(), 0);
  size_t keep = order.size();
  if (top_k > 0 && static_cast<size_t>(top_k) < keep) {
    keep = static_cast<size_t>(top_k);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(),
                      [&](size_t a, size_t b) { return logp[a] > logp[b] || (logp[a] == logp[b] && a < b); });
    order.resize(keep);
  }
  double total = 0;
  for (size_t i : order) total += std::exp(logp[i]);
  double u = random.Uniform() * total;
  for (size_t i : order) {
    u -= std::exp(logp[i]);
    if (u < 0) return static_cast<int64_t>(i);
  }
  return static_cast<int64_t>(order.back());
}

}  // namespace

Result<std::unique_ptr<OnnxImageToText>> OnnxImageToText::Load(const Manifest& manifest, const SessionOptions& options) {
  std::unique_ptr<OnnxImageToText> m(new OnnxImageToText());
  m->manifest_ = manifest;
  m->info_ = manifest.Info();
  const CaptionSpec& c = manifest.caption;
  PANIC_ASSIGN_OR_RETURN(m->tokenizer_, HfTokenizer::LoadFile(manifest.tokenizer->file, {.unigram_ties_to_last = manifest.tokenizer->unigram_ties_to_last}));
  PANIC_ASSIGN_OR_RETURN(m->encoder_, OnnxSession::Open(manifest.graphs.at("encoder"), options));
  PANIC_ASSIGN_OR_RETURN(m->decoder_, OnnxSession::Open(manifest.graphs.at("decoder"), options));
  const auto f32 = {ElementType::kFloat32};
  PANIC_RETURN_IF_ERROR(ExpectInput(*m->encoder_, "pixel_values", f32, 4));
  PANIC_RETURN_IF_ERROR(ExpectOnlyInputs(*m->encoder_, {"pixel_values"}));
  PANIC_RETURN_IF_ERROR(ExpectOutput(*m->encoder_, c.encoder_output, f32, 3));
  PANIC_RETURN_IF_ERROR(ExpectInput(*m->decoder_, "input_ids", {ElementType::kInt64, ElementType::kInt32}, 2));
  m->ids_type_ = FindSpec(m->decoder_->inputs(), "input_ids")->type;
  PANIC_RETURN_IF_ERROR(ExpectInput(*m->decoder_, "encoder_hidden_states", f32, 3));
  m->feeds_encoder_mask_ = FindSpec(m->decoder_->inputs(), "encoder_attention_mask") != nullptr;
  if (m->feeds_encoder_mask_) PANIC_RETURN_IF_ERROR(ExpectInput(*m->decoder_, "encoder_attention_mask", {m->ids_type_}, 2));
  PANIC_RETURN_IF_ERROR(ExpectOnlyInputs(*m->decoder_, {"input_ids", "encoder_hidden_states", "encoder_attention_mask"}));
  PANIC_RETURN_IF_ERROR(ExpectOutput(*m->decoder_, c.logits_output, f32, 3));
  const auto& logits = FindSpec(m->decoder_->outputs(), c.logits_output)->shape;
  const int64_t vocab = logits.back();
  for (int64_t id : {c.decoder_start_id, c.eos_id}) {
    if (vocab >= 0 && id >= vocab) {
      return Status::InvalidArgument((manifest.folder / "manifest.json").string() + ": decoding: token id " +
                                     std::to_string(id) + " is outside the decoder's vocabulary of " +
                                     std::to_string(vocab));
    }
  }
  return m;
}

Result<std::vector<float>> OnnxImageToText::NextLogits(const std::vector<std::vector<int64_t>>& sequences,
                                                       const Tensor& encoded, const std::vector<size_t>& encoded_row,
                                                       size_t& vocab) const {
  const size_t rows = sequences.size(), length = sequences[0].size();
  std::vector<int64_t> flat;
  flat.reserve(rows * length);
  for (const auto& s : sequences) flat.insert(flat.end(), s.begin(), s.end());
  const Tensor ids = IdsTensor(ids_type_, {static_cast<int64_t>(rows), static_cast<int64_t>(length)}, flat);
  const int64_t positions = encoded.shape[1], width = encoded.shape[2];
  const size_t per = static_cast<size_t>(positions * width);
  std::vector<float> states(rows * per);
  for (size_t r = 0; r < rows; ++r) {
    std::copy_n(encoded.floats()->begin() + static_cast<std::ptrdiff_t>(encoded_row[r] * per), per,
                states.begin() + static_cast<std::ptrdiff_t>(r * per));
  }
  const Tensor hidden = Tensor::Floats({static_cast<int64_t>(rows), positions, width}, std::move(states));
  const Tensor mask = IdsTensor(ids_type_, {static_cast<int64_t>(rows), positions},
                                std::vector<int64_t>(rows * static_cast<size_t>(positions), 1));
  std::vector<std::pair<std::string, const Tensor*>> feeds = {{"input_ids", &ids}, {"encoder_hidden_states", &hidden}};
  if (feeds_encoder_mask_) feeds.emplace_back("encoder_attention_mask", &mask);
  PANIC_ASSIGN_OR_RETURN(auto out, decoder_->Run(feeds, {manifest_.caption.logits_output}));
  const Tensor& logits = out[0];
  if (logits.shape.size() != 3 || logits.shape[0] != static_cast<int64_t>(rows) ||
      logits.shape[1] != static_cast<int64_t>(length) || logits.shape[2] <= 0) {
    return Status::ModelFailed(info_.name + ": the decoder returned logits of shape " + ShapeText(logits.shape) +
                               ", expected [" + std::to_string(rows) + ", " + std::to_string(length) + ", vocabulary]");
  }
  vocab = static_cast<size_t>(logits.shape[2]);
  std::vector<float> last(rows * vocab);
  for (size_t r = 0; r < rows; ++r) {
    std::copy_n(logits.floats()->begin() + static_cast<std::ptrdiff_t>((r * length + length - 1) * vocab), vocab,
                last.begin() + static_cast<std::ptrdiff_t>(r * vocab));
  }
  return last;
}

Result<std::vector<std::vector<int64_t>>> OnnxImageToText::Greedy(const Tensor& encoded, size_t batch,
                                                                  std::span<const int64_t> seeds, bool sample) const {
  const CaptionSpec& c = manifest_.caption;
  std::vector<std::vector<int64_t>> seqs(batch, std::vector<int64_t>{c.decoder_start_id});
  std::vector<bool> done(batch, false);
  std::vector<SeededRandom> random;
  for (size_t i = 0; i < batch && sample; ++i) random.emplace_back(seeds[i]);
  std::vector<size_t> rows(batch);
  std::iota(rows.begin(), rows.end(), 0);
  for (int step = 0; step < c.max_length; ++step) {
    size_t vocab = 0;
    PANIC_ASSIGN_OR_RETURN(std::vector<float> logits, NextLogits(seqs, encoded, rows, vocab));
    bool all_done = true;
    for (size_t i = 0; i < batch; ++i) {
      int64_t next = c.eos_id;  // a finished sequence is padded with eos
      if (!done[i]) {
        const float* row = logits.data() + i * vocab;
        if (sample) {
          next = Sample(LogSoftmax(row, vocab, c.temperature), c.top_k, random[i]);
        } else {
          next = std::max_element(row, row + vocab) - row;  // the first of equal maxima
        }
        done[i] = next == c.eos_id;
      }
      seqs[i].push_back(next);
      all_done = all_done && done[i];
    }
    if (all_done) break;
  }
  for (auto& s : seqs) {
    s.erase(s.begin());
    auto eos = std::find(s.begin(), s.end(), c.eos_id);
    s.erase(eos, s.end());
  }
  return seqs;
}

Result<std::vector<std::vector<int64_t>>> OnnxImageToText::Beam(const Tensor& encoded, size_t batch) const {
  const CaptionSpec& c = manifest_.caption;
  const size_t beams = static_cast<size_t>(c.num_beams);
  struct Hypothesis {
    std::vector<int64_t> ids;  // generated ids, without the start token
    double score;              // sum of log-probabilities
  };
  // Length-normalised score, as transformers' BeamHypotheses: sum / length^penalty.
  auto normalised = [&](double sum, size_t length) { return sum / std::pow(static_cast<double>(std::max<size_t>(length, 1)), c.length_penalty); };
  std::vector<std::vector<Hypothesis>> live(batch), finished(batch);
  for (size_t i = 0; i < batch; ++i) live[i].push_back({{}, 0.0});
  std::vector<bool> done(batch, false);
  for (int step = 0; step < c.max_length; ++step) {
    std::vector<std::vector<int64_t>> seqs;
    std::vector<size_t> rows;
    for (size_t i = 0; i < batch; ++i) {
      if (done[i]) continue;
      for (const auto& h : live[i]) {
        std::vector<int64_t> s{c.decoder_start_id};
        s.insert(s.end(), h.ids.begin(), h.ids.end());
        seqs.push_back(std::move(s));
        rows.push_back(i);
      }
    }
    if (seqs.empty()) break;
    size_t vocab = 0;
    PANIC_ASSIGN_OR_RETURN(std::vector<float> logits, NextLogits(seqs, encoded, rows, vocab));
    size_t row = 0;
    for (size_t i = 0; i < batch; ++i) {
      if (done[i]) continue;
      struct Candidate {
        double score;
        size_t beam;
        int64_t id;
      };
      std::vector<Candidate> candidates;
      for (size_t b = 0; b < live[i].size(); ++b, ++row) {
        const std::vector<double> logp = LogSoftmax(logits.data() + row * vocab, vocab, 1.0);
        for (size_t v = 0; v < vocab; ++v) candidates.push_back({live[i][b].score + logp[v], b, static_cast<int64_t>(v)});
      }
      // The 2·beams best continuations (ties: earlier beam, then lower id), as transformers keeps.
      const size_t keep = std::min(candidates.size(), 2 * beams);
      std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep), candidates.end(),
                        [](const Candidate& a, const Candidate& b) {
                          if (a.score != b.score) return a.score > b.score;
                          return a.beam != b.beam ? a.beam < b.beam : a.id < b.id;
                        });
      std::vector<Hypothesis> next;
      for (size_t k = 0; k < keep && next.size() < beams; ++k) {
        const Candidate& cand = candidates[k];
        Hypothesis h{live[i][cand.beam].ids, cand.score};
        if (cand.id == c.eos_id) {
          if (k < beams) finished[i].push_back(std::move(h));  // only a top-`beams` eos counts
          continue;
        }
        h.ids.push_back(cand.id);
        next.push_back(std::move(h));
      }
      live[i] = std::move(next);
      // Done when `beams` hypotheses have finished and no live one can beat the worst of them.
      if (finished[i].size() >= beams) {
        std::sort(finished[i].begin(), finished[i].end(), [&](const Hypothesis& a, const Hypothesis& b) {
          return normalised(a.score, a.ids.size()) > normalised(b.score, b.ids.size());
        });
        finished[i].resize(beams);
        const double worst = normalised(finished[i].back().score, finished[i].back().ids.size());
        const double best_live = live[i].empty() ? -std::numeric_limits<double>::infinity()
                                                 : normalised(live[i][0].score, live[i][0].ids.size() + 1);
        done[i] = live[i].empty() || best_live <= worst;
      }
    }
  }
  std::vector<std::vector<int64_t>> out(batch);
  for (size_t i = 0; i < batch; ++i) {
    std::vector<Hypothesis> all = finished[i];
    if (all.empty()) all = live[i];  // max_length reached before any eos
    const Hypothesis* best = nullptr;
    for (const auto& h : all) {
      if (best == nullptr || normalised(h.score, h.ids.size()) > normalised(best->score, best->ids.size())) best = &h;
    }
    if (best != nullptr) out[i] = best->ids;
  }
  return out;
}

Result<std::vector<std::vector<int64_t>>> OnnxImageToText::GenerateIds(std::span<const Payload> images,
                                                                       std::span<const int64_t> seeds) const {
  if (images.size() != seeds.size()) return Status::Internal(info_.name + ": inputs and seeds differ in number");
  const ImageSpec& spec = *manifest_.image;
  PANIC_RETURN_IF_ERROR(ExpectImages(images, info_.name));
  std::vector<std::vector<int64_t>> out;
  PANIC_RETURN_IF_ERROR(ForEachChunk(images.size(), manifest_.max_batch, [&](size_t first, size_t count) -> Status {
    const Tensor t = PixelValues(images, first, count, spec);
    PANIC_ASSIGN_OR_RETURN(auto enc, encoder_->Run({{"pixel_values", &t}}, {manifest_.caption.encoder_output}));
    if (enc[0].shape.size() != 3 || enc[0].shape[0] != static_cast<int64_t>(count)) {
      return Status::ModelFailed(info_.name + ": the encoder returned shape " + ShapeText(enc[0].shape));
    }
    const Decoding how = manifest_.caption.decoding;
    Result<std::vector<std::vector<int64_t>>> ids =
        how == Decoding::kBeam ? Beam(enc[0], count) : Greedy(enc[0], count, seeds.subspan(first, count), how == Decoding::kSample);
    if (!ids.ok()) return ids.status();
    for (auto& s : *ids) out.push_back(std::move(s));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Payload>> OnnxImageToText::InvokeBatch(std::span<const Payload> inputs, std::span<const int64_t> seeds) {
  PANIC_ASSIGN_OR_RETURN(auto ids, GenerateIds(inputs, seeds));
  std::vector<Payload> out;
  for (const auto& s : ids) {
    std::string text = tokenizer_->Decode(s);
    const size_t b = text.find_first_not_of(" \t\n"), e = text.find_last_not_of(" \t\n");
    out.emplace_back(b == std::string::npos ? std::string() : text.substr(b, e - b + 1));
  }
  return out;
}

}  // namespace panic::models::onnx
