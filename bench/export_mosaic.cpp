// Export speed (issue 14, "Speed"): composing an HD frame of 48 runs, video frames per
// second of each codec, and all charts of a many-run experiment. A small main, not Google
// Benchmark, because each case needs a database built first.
//
//   bench_export_mosaic [--steps N] [--chart-runs N] [--chart-steps N] [--codecs h264,h265,av1|none]
//                       [--chart-db PATH]   (keep the charts' database there; reuse it if it exists)
//
// Builds a temporary database of 4 prompts × 2 networks × 6 seeds (48 runs) of 256 px
// images (WEBP, as the dummy models store them) and captions, then measures. The charts
// case (`--chart-runs` runs × `--chart-steps` steps) also stores a synthetic clustering
// result of every text output (20 clusters, labels drifting along each run, 10 % outliers)
// and the Lyapunov results of every prompt and prompt pair, so that every chart is drawn.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <unistd.h>

#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/export/cluster_charts.h"
#include "panic/export/experiment_charts.h"
#include "panic/export/lyapunov_charts.h"
#include "panic/export/mosaic_frame.h"
#include "panic/export/mosaic_video.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/clustering_table.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/image_codec.h"
#include "panic/store/invocations_table.h"
#include "panic/store/npz_codec.h"
#include "panic/store/sqlite_db.h"
#include "panic/tda/diagram.h"

#include "bench_clock.h"

using namespace panic;
using Clock = std::chrono::steady_clock;

namespace {

using panic::bench::CpuSeconds;
using panic::bench::Seconds;

// An experiment of prompts × networks × seeds, `steps` long, images at even steps.
std::string Build(store::Database& db, int prompts, int seeds, int steps, int image_size, int vector_dim) {
  store::ExperimentRecord e;
  e.id = NewUuidV7();
  e.networks = {{"DummyT2I", "DummyI2T"}, {"DummyT2I2", "DummyI2T2"}};
  for (int s = 0; s < seeds; ++s) e.seeds.push_back(s + 1);
  for (int p = 0; p < prompts; ++p) e.prompts.push_back("prompt number " + std::to_string(p) + " — 富士山 🌋");
  e.embedding_models = vector_dim > 0 ? std::vector<std::string>{"DummyText"} : std::vector<std::string>{};
  e.max_length = steps;
  e.created_at = e.updated_at = NowIso();
  std::vector<store::RunRecord> runs;
  for (const auto& n : e.networks) {
    for (auto seed : e.seeds) {
      for (const auto& p : e.prompts) {
        store::RunRecord r;
        r.id = NewUuidV7();
        r.experiment_id = e.id;
        r.run_number = static_cast<int64_t>(runs.size());
        r.network = n;
        r.seed = seed;
        r.max_length = steps;
        r.initial_prompt = p;
        runs.push_back(r);
      }
    }
  }
  if (!db.Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, runs); }).ok()) std::abort();
  std::mt19937 rng(1);
  std::vector<std::string> images;  // a few distinct encoded images, reused
  for (int k = 0; k < 16; ++k) {
    images.push_back(*store::EncodeWebp(RgbImage::Solid(image_size, image_size, rng() % 256, rng() % 256, rng() % 256)));
  }
  for (int step = 0; step < steps; ++step) {
    std::vector<store::InvocationRecord> invs;
    std::vector<store::RunCompletion> done;
    for (const auto& r : runs) {
      store::InvocationRecord inv;
      inv.id = NewUuidV7();
      inv.run_id = r.id;
      inv.sequence_number = step;
      inv.model = r.network[step % 2];
      inv.seed = r.seed;
      inv.type = step % 2 == 0 ? store::OutputType::kImage : store::OutputType::kText;
      if (step % 2 == 0) {
        inv.output_image = images[(r.run_number + step) % images.size()];
      } else {
        inv.output_text = "a caption of step " + std::to_string(step) + " for run " + std::to_string(r.run_number);
      }
      inv.started_at = inv.completed_at = NowIso();
      invs.push_back(std::move(inv));
      if (step == steps - 1) done.push_back({r.id, store::kStopLength, std::nullopt, std::nullopt, NowIso()});
    }
    if (!db.Write([&](store::SqliteDb& c) { return store::invocations::InsertStep(c, invs, done); }).ok()) std::abort();
  }
  if (vector_dim > 0) {
    std::normal_distribution<float> noise(0, 0.2f);
    for (const auto& r : runs) {
      auto steps_of = *store::invocations::ListForRun(db.connection(), r.id, false);
      std::vector<store::EmbeddingRecord> recs;
      std::vector<float> v(vector_dim, 1.0f);
      for (const auto& inv : steps_of) {
        if (inv.type != store::OutputType::kText) continue;
        for (auto& x : v) x += noise(rng);
        recs.push_back({NewUuidV7(), inv.id, "DummyText", v, NowIso(), NowIso()});
      }
      if (!db.Write([&](store::SqliteDb& c) { return store::embeddings::Insert(c, recs); }).ok()) std::abort();
      tda::Diagram d;
      d.dimensions.resize(3);
      std::uniform_real_distribution<float> u(0, 1);
      for (int i = 0; i < steps / 2; ++i) {
        d.dimensions[0].push_back({0, u(rng)});
        if (i % 3 == 0) d.dimensions[1].push_back({0.5f + u(rng), 1.6f + u(rng)});
        if (i % 9 == 0) {  // death after birth: the NPZ reader refuses a bar that dies before it is born
          const float birth = 1.0f + u(rng);
          d.dimensions[2].push_back({birth, birth + 0.2f + 0.8f * u(rng)});
        }
      }
      store::PersistenceDiagramRecord rec{NewUuidV7(), r.id, "DummyText",
                                          store::EncodeDiagramNpz(d, {2.0f + u(rng), 1.0f + u(rng), 0.5f * u(rng)}),
                                          std::nullopt, NowIso(), NowIso(), std::nullopt, std::nullopt,
                                          std::nullopt};  // no provenance: the charts read diagrams as stored
      if (!db.Write([&](store::SqliteDb& c) { return store::diagrams::Put(c, rec); }).ok()) std::abort();
    }
  }
  return e.id;
}

// A clustering result of every DummyText embedding of the experiment, written as `cluster
// run` writes one (Begin, chunks, Complete): each run's label drifts (stays with p = 0.8),
// one output in ten is an outlier; the medoid of a cluster is its first member.
void AddClustering(store::Database& db, const std::string& experiment_id, int clusters) {
  std::vector<std::string> ids;
  std::vector<std::string> run_of;
  auto scan = db.Read([&](store::SqliteDb& c) {
    return store::analysis_reads::ForEachEmbedding(c, experiment_id, std::string("DummyText"),
                                                   [&](const store::TrajectoryPoint& p) {
                                                     ids.push_back(p.embedding_id);
                                                     run_of.push_back(p.run_id);
                                                     return Status::Ok();
                                                   });
  });
  if (!scan.ok()) std::abort();
  std::mt19937 rng(7);
  std::vector<int32_t> labels(ids.size());
  std::vector<float> probabilities(ids.size(), 1.0f);
  int32_t current = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i == 0 || run_of[i] != run_of[i - 1] || rng() % 5 == 0) current = static_cast<int32_t>(rng() % clusters);
    labels[i] = rng() % 10 == 0 ? -1 : current;
  }
  std::vector<uint32_t> medoids(clusters, 0);
  std::vector<store::clustering::ClusterSummary> summaries(clusters);
  std::vector<std::set<std::string>> runs(clusters);
  for (size_t i = ids.size(); i-- > 0;) {
    if (labels[i] < 0) continue;
    medoids[labels[i]] = static_cast<uint32_t>(i);
    ++summaries[labels[i]].size;
    runs[labels[i]].insert(run_of[i]);
  }
  int64_t outliers = 0;
  for (int32_t l : labels) outliers += l < 0;
  for (int l = 0; l < clusters; ++l) {
    summaries[l].label = l;
    summaries[l].run_count = static_cast<int64_t>(runs[l].size());
    summaries[l].medoid_embedding_id = ids[medoids[l]];
  }
  store::clustering::ResultRecord r;
  r.id = NewUuidV7();
  r.embedding_model = "DummyText";
  r.algorithm = "hdbscan";
  r.experiment_ids = {experiment_id};
  r.path = "exact";
  r.point_count = static_cast<int64_t>(ids.size());
  r.dimension = 64;
  r.cluster_count = clusters;
  r.outlier_count = outliers;
  r.started_at = NowIso();
  if (!db.Write([&](store::SqliteDb& c) { return store::clustering::Begin(c, r, ::getpid(), "bench"); }).ok()) std::abort();
  store::clustering::Assignments a{ids, labels, probabilities, medoids};
  for (size_t begin = 0; begin < ids.size(); begin += 20000) {
    const size_t end = std::min(ids.size(), begin + 20000);
    if (!db.Write([&](store::SqliteDb& c) { return store::clustering::AppendAssignments(c, r.id, a, begin, end); }).ok()) {
      std::abort();
    }
  }
  r.completed_at = NowIso();
  if (!db.Write([&](store::SqliteDb& c) { return store::clustering::Complete(c, r, summaries); }).ok()) std::abort();
}

// Lyapunov results as the stage stores them: each (network, prompt) group and each
// (network, prompt pair), a curve of `timesteps` values rising toward a plateau.
void AddLyapunov(store::Database& db, const std::string& experiment_id, int timesteps) {
  auto e = store::experiments::Get(db.connection(), experiment_id);
  if (!e.ok()) std::abort();
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  auto status = db.Write([&](store::SqliteDb& c) -> Status {
    for (const auto& network : e->networks) {
      for (size_t a = 0; a < e->prompts.size(); ++a) {
        for (size_t b = a; b < e->prompts.size(); ++b) {
          store::LyapunovRecord r;
          r.id = NewUuidV7();
          r.experiment_id = experiment_id;
          r.network = network;
          r.initial_prompt = e->prompts[a];
          r.other_prompt = a == b ? "" : e->prompts[b];
          r.embedding_model = "DummyText";
          const auto m = static_cast<int64_t>(e->seeds.size());
          r.num_runs = a == b ? m : 2 * m;
          r.num_pairs = a == b ? m * (m - 1) / 2 : m * m;
          r.num_timesteps = timesteps;
          r.exponent = 0.02 * (u(rng) - 0.3);
          r.intercept = std::log(0.3);
          r.bounded_status = "ok";
          r.d_inf = 1.2, r.d0 = 0.3, r.tau = 40 * u(rng) + 5;
          for (int t = 0; t < timesteps; ++t) r.curve.push_back(r.d_inf - (r.d_inf - r.d0) * std::exp(-t / r.tau));
          r.runs_fingerprint = "bench";
          r.computed_at = NowIso();
          PANIC_RETURN_IF_ERROR(store::lyapunov::Put(c, r));
        }
      }
    }
    return Status::Ok();
  });
  if (!status.ok()) {
    std::fprintf(stderr, "lyapunov results: %s\n", status.message().c_str());
    std::abort();
  }
}

void BenchCompose() {
  auto layout = exporting::ComputeMosaicLayout({4, 2, 6}, 1920, 1080).value();
  exporting::MosaicLabels labels;
  for (int p = 0; p < 4; ++p) labels.prompts.push_back("prompt number " + std::to_string(p));
  labels.networks = {"DummyT2I → DummyI2T", "DummyT2I2 → DummyI2T2"};
  auto composer = exporting::MosaicComposer::Create(layout, labels).value();
  std::vector<exporting::SurfacePtr> scaled;
  for (int k = 0; k < 2; ++k) scaled.push_back(composer->ScaleForCell(RgbImage::Solid(256, 256, 40 * k, 90, 200)).value());
  const int frames = 200;
  // Every cell changes both image and caption each frame: the worst case.
  double all = 0, steady = 0;
  for (int f = 0; f < frames; ++f) {
    for (size_t c = 0; c < 48; ++c) {
      composer->SetScaledImage(c, composer->ScaleForCell(RgbImage::Solid(4, 4, f % 256, c, 100)).value());
      composer->SetCaption(c, "caption of frame " + std::to_string(f) + " cell " + std::to_string(c));
    }
    auto t = Clock::now();
    composer->Compose(f / double(frames), "step " + std::to_string(f));
    all += Seconds(t);
  }
  // The mosaic's usual frame: half the cells get a new caption (text steps alternate).
  for (int f = 0; f < frames; ++f) {
    for (size_t c = f % 2; c < 48; c += 2) composer->SetCaption(c, "caption " + std::to_string(f) + "/" + std::to_string(c));
    auto t = Clock::now();
    composer->Compose(f / double(frames), "step " + std::to_string(f));
    steady += Seconds(t);
  }
  std::printf("compose HD frame, 48 runs, every cell new image + caption: %.2f ms/frame\n", all / frames * 1e3);
  std::printf("compose HD frame, 48 runs, 24 new captions:               %.2f ms/frame\n", steady / frames * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 60, chart_runs = 1200, chart_steps = 40;
  std::string codecs = "h264,h265,av1";
  std::string chart_db;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--chart-runs")) chart_runs = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--chart-steps")) chart_steps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--codecs")) codecs = argv[i + 1];
    if (!std::strcmp(argv[i], "--chart-db")) chart_db = argv[i + 1];
  }
  BenchCompose();
  auto dir = std::filesystem::temp_directory_path() / ("panic-bench-export-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    auto db =
        store::Database::Open((dir / "v.db").string(), store::OpenMode::kCreate, store::Durability::kNormal).value();
    auto t = Clock::now();
    std::string id = Build(*db, 4, 6, steps, 256, 0);
    std::printf("built 48 runs × %d steps in %.1f s\n", steps, Seconds(t));
    {
      auto frames = exporting::MosaicFrames::Open(*db, {id}, 1920, 1080, 2).value();
      auto t0 = Clock::now();
      for (int64_t f = 0; f < frames->frame_count(); ++f) {
        if (!frames->Next().ok()) std::abort();
      }
      std::printf("read + decode + compose (no encoder): %.2f ms/frame\n", Seconds(t0) / frames->frame_count() * 1e3);
    }
    size_t start = 0;
    while (start < codecs.size()) {
      size_t end = std::min(codecs.find(',', start), codecs.size());
      exporting::VideoOptions o;
      o.codec = codecs.substr(start, end - start);
      if (o.codec == "none") {  // only the charts case
        start = end + 1;
        continue;
      }
      o.output = (dir / ("m_" + o.codec + ".mp4")).string();
      o.threads = 2;
      auto t1 = Clock::now();
      auto s = exporting::ExportMosaicVideo(*db, {id}, o);
      const double secs = Seconds(t1);
      if (!s.ok()) {
        std::printf("%s: %s\n", o.codec.c_str(), s.status().message().c_str());
      } else {
        std::printf("video %-5s (%s): %lld frames in %.1f s = %.1f fps; 1000 steps ≈ %.0f s\n", o.codec.c_str(),
                    s->encoder.c_str(), static_cast<long long>(s->frames), secs, s->frames / secs,
                    1000.0 * secs / s->frames);
      }
      start = end + 1;
    }
  }
  if (chart_runs > 0) {
    // --chart-db: the database is kept there, and reused when it exists (building 1 200 runs
    // × 1 000 steps takes minutes; the charts are what is measured).
    const bool reuse = !chart_db.empty() && std::filesystem::exists(chart_db);
    const std::string path = chart_db.empty() ? (dir / "c.db").string() : chart_db;
    auto db = store::Database::Open(path, reuse ? store::OpenMode::kReadOnly : store::OpenMode::kCreate,
                                    store::Durability::kNormal)
                  .value();
    const int seeds = std::max(1, chart_runs / 8);
    std::string id;
    if (reuse) {
      id = store::experiments::ResolveId(db->connection(), "latest").value();
      std::printf("reusing %s\n", path.c_str());
    } else {
      auto t = Clock::now();
      id = Build(*db, 4, seeds, chart_steps, 8, 64);
      AddClustering(*db, id, 20);
      AddLyapunov(*db, id, chart_steps / 2);
      std::printf("built %d runs × %d steps (64-d vectors, diagrams, a clustering, Lyapunov results) in %.1f s\n",
                  8 * seeds, chart_steps, Seconds(t));
    }
    const double cpu0 = CpuSeconds();
    auto t2 = Clock::now();
    auto s = exporting::ExportCharts(*db, {id}, (dir / "charts").string(), exporting::DrawingFormat::kPdf);
    if (!s.ok()) {
      std::printf("charts: %s\n", s.status().message().c_str());
    } else {
      std::printf("all charts (PDF) of %d runs: %.1f s wall, %.1f s CPU (this process), %zu files\n", 8 * seeds,
                  Seconds(t2), CpuSeconds() - cpu0, s->written.size());
      for (const auto& [name, why] : s->skipped) std::printf("  skipped %s: %s\n", name.c_str(), why.c_str());
    }
    // The parts, each alone: the cluster charts and the Lyapunov charts.
    exporting::ChartsSummary parts;
    const double cpu3 = CpuSeconds();
    auto t3 = Clock::now();
    if (!exporting::ExportClusterCharts(*db, {id}, dir.string(), exporting::DrawingFormat::kPdf, &parts).ok()) std::abort();
    const double cluster_s = Seconds(t3), cluster_cpu = CpuSeconds() - cpu3;
    const double cpu4 = CpuSeconds();
    auto t4 = Clock::now();
    if (!exporting::ExportLyapunovCharts(*db, {id}, dir.string(), exporting::DrawingFormat::kPdf, &parts).ok()) std::abort();
    std::printf("  of which cluster charts %.1f s wall / %.1f s CPU, Lyapunov charts %.2f s wall / %.2f s CPU\n", cluster_s,
                cluster_cpu, Seconds(t4), CpuSeconds() - cpu4);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
