#include "export/export_fixture_helpers.h"

#include <gtest/gtest.h>

#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include <algorithm>
#include <random>
#include <regex>

#include "panic/engine/experiment_setup.h"
#include "panic/export/cairo_image.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/image_codec.h"
#include "panic/store/invocations_table.h"
#include "panic/store/npz_codec.h"
#include "panic/store/runs_table.h"
#include "panic/tda/diagram.h"
#include "support/test_support.h"

namespace panic::testing {

std::vector<std::string> HostilePrompts() {
  return {"<script>alert('x')</script> & \"quotes\"",
          "富士山の夕焼け、水彩画 🌋🎨",
          "a cat; rm -rf / $(echo pwned) `id` | tee /tmp/x",
          "مرحبا بالعالم — שלום עולם",
          "a very long prompt that goes on and on about a lighthouse on a cliff above a stormy sea at dusk, "
          "painted in oils with heavy impasto, gulls circling, a lone figure on the rocks, and more words still"};
}

std::string PdfText(const std::string& pdf) {
  auto r = RunShell("pdftotext -enc UTF-8 " + ShellQuote(pdf) + " -");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

RgbImage LoadPng(const std::string& png) {
  exporting::SurfacePtr s(cairo_image_surface_create_from_png(png.c_str()));
  EXPECT_EQ(cairo_surface_status(s.get()), CAIRO_STATUS_SUCCESS) << png;
  return exporting::RgbFromSurface(s.get());
}

int64_t ColouredPixels(const RgbImage& img) {
  int64_t n = 0;
  for (size_t i = 0; i + 2 < img.pixels.size(); i += 3) {
    const int mx = std::max({img.pixels[i], img.pixels[i + 1], img.pixels[i + 2]});
    const int mn = std::min({img.pixels[i], img.pixels[i + 1], img.pixels[i + 2]});
    n += mx - mn > 60;
  }
  return n;
}

int64_t ColouredPixels(const std::string& png) { return ColouredPixels(LoadPng(png)); }

std::vector<PdfWord> PdfWords(const std::string& pdf) {
  auto r = RunShell("pdftotext -bbox -enc UTF-8 " + ShellQuote(pdf) + " -");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  static const std::regex kWord(
      R"re(<word xMin="([-0-9.]+)" yMin="([-0-9.]+)" xMax="([-0-9.]+)" yMax="([-0-9.]+)">([^<]*)</word>)re");
  std::vector<PdfWord> out;
  for (std::sregex_iterator it(r.out.begin(), r.out.end(), kWord), end; it != end; ++it) {
    std::string text = (*it)[5];
    for (const auto& [entity, c] : std::vector<std::pair<std::string, std::string>>{
             {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&#39;", "'"}, {"&amp;", "&"}}) {
      for (size_t at; (at = text.find(entity)) != std::string::npos;) text.replace(at, entity.size(), c);
    }
    out.push_back({text, std::stod((*it)[1]), std::stod((*it)[2]), std::stod((*it)[3]), std::stod((*it)[4])});
  }
  return out;
}

std::vector<PdfWord> WordsNamed(const std::vector<PdfWord>& words, const std::string& text) {
  std::vector<PdfWord> out;
  for (const auto& w : words) {
    if (w.text == text) out.push_back(w);
  }
  std::sort(out.begin(), out.end(), [](const PdfWord& a, const PdfWord& b) {
    return a.x_min != b.x_min ? a.x_min < b.x_min : a.y_min < b.y_min;
  });
  return out;
}

RgbImage FixtureImage(int64_t run_number, int64_t step, int size) {
  return RgbImage::Solid(size, size, static_cast<uint8_t>((run_number * 37 + 20) % 256),
                         static_cast<uint8_t>((step * 23 + 40) % 256), static_cast<uint8_t>(run_number % 2 ? 60 : 190));
}

std::string FixtureCaption(int64_t run_number, int64_t step) {
  return "caption " + std::to_string(run_number) + "/" + std::to_string(step) + " <b>&amp;</b> 夕焼け 🌅";
}

Fixture BuildExperiment(store::Database& db, const FixtureSpec& spec) {
  Fixture f;
  // The experiment and its runs as `experiment run` creates them; the options text is
  // stored as given (markup, for the report's escaping), unchecked by CreateExperiment.
  ExperimentConfig config;
  config.networks = spec.networks;
  config.seeds = spec.seeds;
  config.prompts = spec.prompts;
  config.embedding_models = spec.embedding_models;
  config.max_length = spec.steps;
  config.options_json = R"({"note": "<img src=x onerror=alert(1)>"})";
  auto id = engine::CreateExperiment(db, config);
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE(db.Read([&](store::SqliteDb& c) -> Status {
                  PANIC_ASSIGN_OR_RETURN(f.experiment, store::experiments::Get(c, *id));
                  PANIC_ASSIGN_OR_RETURN(f.runs, store::runs::List(c, *id));
                  return Status::Ok();
                }).ok());
  std::map<std::string, std::string> previous;  // run id → last invocation id
  for (int step = 0; step < spec.steps; ++step) {
    std::vector<store::InvocationRecord> invocations;
    std::vector<store::RunCompletion> completions;
    for (auto& run : f.runs) {
      auto stop = spec.stop_after.find(run.run_number);
      const int length = stop == spec.stop_after.end() ? spec.steps : stop->second;
      if (step >= length) continue;
      store::InvocationRecord inv;
      inv.id = NewUuidV7();
      inv.run_id = run.id;
      inv.sequence_number = step;
      inv.model = run.network[step % run.network.size()];
      inv.seed = run.seed;
      if (previous.count(run.id)) inv.input_invocation_id = previous[run.id];
      if (step % run.network.size() == 0 && run.network.size() > 1) {
        inv.type = store::OutputType::kImage;
        inv.output_image = *store::EncodeWebp(FixtureImage(run.run_number, step, spec.image_size));
      } else {
        inv.type = store::OutputType::kText;
        inv.output_text = FixtureCaption(run.run_number, step);
      }
      inv.started_at = inv.completed_at = NowIso();
      previous[run.id] = inv.id;
      invocations.push_back(inv);
      const bool last = step == length - 1;
      if (last && (stop != spec.stop_after.end() || spec.finish)) {
        const bool duplicate = stop != spec.stop_after.end();
        completions.push_back({run.id, duplicate ? store::kStopDuplicate : store::kStopLength,
                               duplicate ? std::optional<int64_t>(2) : std::nullopt, std::nullopt, NowIso()});
        run.stop_reason = completions.back().stop_reason;
      }
    }
    if (!invocations.empty()) {
      EXPECT_TRUE(db.Write([&](store::SqliteDb& c) {
                      return store::invocations::InsertStep(c, invocations, completions);
                    }).ok());
    }
  }
  return f;
}

void AddEmbeddingsAndDiagrams(store::Database& db, const Fixture& fixture, int dim) {
  for (const auto& run : fixture.runs) {
    auto steps = store::invocations::ListForRun(db.connection(), run.id, false);
    ASSERT_TRUE(steps.ok());
    for (size_t m = 0; m < fixture.experiment.embedding_models.size(); ++m) {
      const std::string& model = fixture.experiment.embedding_models[m];
      std::mt19937 rng(static_cast<uint32_t>(run.run_number * 131 + m));
      std::normal_distribution<float> noise(0.0f, 0.3f);
      std::vector<float> v(dim, 1.0f);
      std::vector<store::EmbeddingRecord> records;
      for (const auto& inv : *steps) {
        for (auto& x : v) x += noise(rng);
        records.push_back({NewUuidV7(), inv.id, model, v, NowIso(), NowIso()});
      }
      ASSERT_TRUE(db.Write([&](store::SqliteDb& c) { return store::embeddings::Insert(c, records); }).ok());
      tda::Diagram d;
      d.dimensions.resize(2);
      std::uniform_real_distribution<float> u(0.0f, 1.0f);
      for (int i = 0; i < 12; ++i) {
        float b = u(rng) * 0.2f;
        d.dimensions[0].push_back({0.0f, b + 0.1f});
        d.dimensions[1].push_back({0.3f + b, 0.5f + b + u(rng) * 0.3f});
      }
      d.dimensions[0].push_back({0.0f, std::numeric_limits<float>::infinity()});
      std::vector<float> entropy = {1.5f + 0.1f * static_cast<float>(run.run_number % 5), 0.8f + u(rng) * 0.3f};
      // No provenance (point count, last step): the exports read diagrams as stored.
      store::PersistenceDiagramRecord rec{NewUuidV7(), run.id,   model,        store::EncodeDiagramNpz(d, entropy),
                                          std::nullopt, NowIso(), NowIso(),     std::nullopt,
                                          std::nullopt, std::nullopt};
      ASSERT_TRUE(db.Write([&](store::SqliteDb& c) { return store::diagrams::Put(c, rec); }).ok());
    }
  }
}

}  // namespace panic::testing
