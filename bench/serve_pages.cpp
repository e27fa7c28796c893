// bench_serve_pages: the dashboard's two big answers (issue 15's targets).
//   - the run page of a 1 000-step run: its HTML, scripts and the three API answers it
//     fetches (run, drift, diagrams), one after another — target < 1 s;
//   - a page of the runs table of a 10 000-run experiment, sorted by number and by length,
//     first, middle and last pages — target < 100 ms a page.
// Each figure is the median and the worst of --reps repetitions through a real loopback
// HTTP connection to the server in this process.
//   bench_serve_pages [--db PATH] [--reps N]   (the database is built when missing)
#include <httplib.h>

#include <filesystem>

#include "serve_common.h"
#include "panic/serve/dashboard_server.h"
#include "panic/store/experiments_table.h"
#include "panic/store/runs_table.h"

using namespace panic;

namespace {

struct Built {
  std::string long_run_experiment, wide_experiment;
};

Result<Built> Build(const std::string& db) {
  Built b;
  if (!std::filesystem::exists(db)) {
    ExperimentConfig lng;
    lng.networks = {{"DummyT2I", "DummyI2T"}};
    lng.seeds = {-1};
    lng.prompts = {"a long run of one thousand steps"};
    lng.embedding_models = {"DummyText", "DummyVision"};
    lng.max_length = 1000;
    lng.options_json = R"({"loop_detection": "off", "maxdim": 1})";
    auto t0 = std::chrono::steady_clock::now();
    PANIC_ASSIGN_OR_RETURN(b.long_run_experiment, bench::MakeExperiment(db, lng, {"runs", "embeddings", "diagrams"}));
    std::printf("built the 1 000-step run in %.1f s\n", bench::Since(t0));
    ExperimentConfig wide;
    wide.networks = {{"DummyT2I", "DummyI2T"}};
    wide.seeds = {-1};
    for (int p = 0; p < 10000; ++p) wide.prompts.push_back("prompt number " + std::to_string(p));
    wide.embedding_models = {"DummyText"};
    wide.max_length = 4;
    wide.options_json = R"({"loop_detection": "off"})";
    t0 = std::chrono::steady_clock::now();
    PANIC_ASSIGN_OR_RETURN(b.wide_experiment, bench::MakeExperiment(db, wide, {"runs"}));
    std::printf("built the 10 000-run experiment in %.1f s\n", bench::Since(t0));
    return b;
  }
  PANIC_ASSIGN_OR_RETURN(auto store, store::Database::Open(db, store::OpenMode::kReadOnly));
  PANIC_ASSIGN_OR_RETURN(auto list, store::experiments::List(store->connection()));
  for (const auto& e : list) (e.max_length == 1000 ? b.long_run_experiment : b.wide_experiment) = e.id;
  return b;
}

// Seconds of `fn` over `reps` repetitions: median and worst.
template <typename Fn>
std::pair<double, double> Time(int reps, Fn&& fn) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!fn()) return {-1, -1};
    t.push_back(bench::Since(t0));
  }
  return {bench::Percentile(t, 50), *std::max_element(t.begin(), t.end())};
}

}  // namespace

int main(int argc, char** argv) {
  std::string db = "/tmp/panic_bench_serve_pages.db";
  int reps = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--db") db = v;
    else if (k == "--reps") reps = std::atoi(v.c_str());
    else return std::fprintf(stderr, "unknown flag %s\n", k.c_str()), 2;
  }
  auto built = Build(db);
  if (!built.ok()) return std::fprintf(stderr, "%s\n", built.status().ToString().c_str()), 1;
  serve::ServeOptions options;
  options.db_path = db;
  options.port = 0;
  auto server = serve::DashboardServer::Create(options);
  if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
  auto port = (*server)->Bind();
  if (!port.ok() || !(*server)->Start().ok()) return 1;
  httplib::Client client("127.0.0.1", *port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  auto get = [&](const std::string& path, size_t* bytes = nullptr) {
    auto res = client.Get(path.c_str());
    if (!res || res->status != 200) {
      std::fprintf(stderr, "%s: %d\n", path.c_str(), res ? res->status : -1);
      return false;
    }
    if (bytes) *bytes += res->body.size();
    return true;
  };
  auto run_page = get("/api/experiments/" + built->long_run_experiment + "/runs");
  (void)run_page;
  auto first = client.Get(("/api/experiments/" + built->long_run_experiment + "/runs").c_str());
  const std::string run_id = nlohmann::json::parse(first->body)["runs"][0]["id"];
  size_t bytes = 0;
  auto [run_median, run_worst] = Time(reps, [&] {
    bytes = 0;
    return get("/run?id=" + run_id, &bytes) && get("/static/app.js", &bytes) && get("/static/run.js", &bytes) &&
           get("/static/style.css", &bytes) && get("/api/runs/" + run_id, &bytes) &&
           get("/api/runs/" + run_id + "/drift", &bytes) && get("/api/runs/" + run_id + "/diagrams", &bytes);
  });
  std::printf("run page of a 1 000-step run (HTML, scripts, run + drift + diagrams JSON, %.0f KiB): median %.0f ms, "
              "worst %.0f ms (target < 1 000 ms; images load lazily after)\n",
              static_cast<double>(bytes) / 1024.0, run_median * 1000, run_worst * 1000);
  const std::string base = "/api/experiments/" + built->wide_experiment + "/runs?per_page=50";
  for (const char* sort : {"number", "length", "stop_reason"}) {
    for (const char* order : {"asc", "desc"}) {
      for (int page : {1, 100, 200}) {
        const std::string path = base + "&sort=" + sort + "&order=" + order + "&page=" + std::to_string(page);
        auto [median, worst] = Time(reps, [&] { return get(path); });
        std::printf("runs page of a 10 000-run experiment, sort %-11s %-4s page %3d: median %5.1f ms, worst %5.1f ms "
                    "(target < 100 ms)\n", sort, order, page, median * 1000, worst * 1000);
      }
    }
  }
  auto [summary_median, summary_worst] = Time(reps, [&] { return get("/api/experiments/" + built->wide_experiment); });
  std::printf("experiment show of the 10 000-run experiment: median %.0f ms, worst %.0f ms\n", summary_median * 1000,
              summary_worst * 1000);
  auto [list_median, list_worst] = Time(reps, [&] { return get("/api/experiments"); });
  std::printf("experiment list: median %.0f ms, worst %.0f ms\n", list_median * 1000, list_worst * 1000);
  (*server)->Stop();
  return 0;
}
