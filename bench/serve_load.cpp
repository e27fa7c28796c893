// bench_serve_load: `panic-tda serve` under 200 concurrent loopback clients while another
// process writes an experiment into the same database (issue 15's load test).
//   bench_serve_load --cli PATH [--db PATH] [--clients 200] [--seconds 5] [--rounds 2]
// The server is the real command (a child process); each client is a thread that asks a
// mix of pages, API answers and images, one connection per request, for --seconds per round.
// Prints every failure, p50/p90/p99/max latency, and the server's RSS before and after each
// round (memory should stay flat).
#include <httplib.h>
#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "serve_common.h"

extern char** environ;
using namespace panic;

namespace {

int Spawn(const std::vector<std::string>& args, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

double ProcessRssMiB(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return -1;
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  std::string cli, db = "/tmp/panic_bench_serve_load.db";
  int clients = 200, seconds = 5, rounds = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--cli") cli = v;
    else if (k == "--db") db = v;
    else if (k == "--clients") clients = std::atoi(v.c_str());
    else if (k == "--seconds") seconds = std::atoi(v.c_str());
    else if (k == "--rounds") rounds = std::atoi(v.c_str());
    else return std::fprintf(stderr, "unknown flag %s\n", k.c_str()), 2;
  }
  if (cli.empty()) return std::fprintf(stderr, "--cli PATH (the built panic-tda) is needed\n"), 2;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  ExperimentConfig base;
  base.networks = {{"DummyT2I", "DummyI2T"}};
  base.seeds = {-1};
  base.prompts = {"<script>alert(1)</script> one", "two", "three", "four"};
  base.embedding_models = {"DummyText", "DummyVision"};
  base.max_length = 50;
  base.options_json = R"({"loop_detection": "off", "maxdim": 1})";
  auto base_id = bench::MakeExperiment(db, base, {});
  if (!base_id.ok()) return std::fprintf(stderr, "%s\n", base_id.status().ToString().c_str()), 1;

  const std::string dir = std::filesystem::path(db).parent_path().string();
  const std::string serve_log = dir + "/panic_bench_serve_load.serve.log";
  const int server = Spawn({cli, "--db", db, "serve", "--port", "0"}, serve_log);
  int port = 0;
  for (int i = 0; i < 200 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::string text = Slurp(serve_log);
    if (auto at = text.find("http://127.0.0.1:"); at != std::string::npos) port = std::atoi(text.c_str() + at + 17);
  }
  if (port == 0) return std::fprintf(stderr, "the server did not start: %s\n", Slurp(serve_log).c_str()), 1;

  // The paths every client cycles through.
  httplib::Client probe("127.0.0.1", port);
  auto runs = nlohmann::json::parse(probe.Get(("/api/experiments/" + *base_id + "/runs").c_str())->body)["runs"];
  const std::string run = runs[0]["id"];
  auto steps = nlohmann::json::parse(probe.Get(("/api/runs/" + run).c_str())->body)["invocations"];
  std::vector<std::string> paths = {"/api/experiments", "/api/experiments/" + *base_id,
                                    "/api/experiments/" + *base_id + "/runs?sort=length&order=desc",
                                    "/api/runs/" + run, "/api/runs/" + run + "/drift", "/api/runs/" + run + "/diagrams",
                                    "/", "/static/app.js", "/api/clusters"};
  for (int i = 0; i < 6; ++i) paths.push_back("/api/images/" + steps[2 * i]["id"].get<std::string>());
  for (int i = 0; i < 100; ++i) probe.Get(paths[i % paths.size()].c_str());  // warm the connection pool

  std::printf("%d clients x %d s x %d rounds on 127.0.0.1:%d, %zu paths; uptime: ", clients, seconds, rounds, port,
              paths.size());
  std::fflush(stdout);
  std::system("uptime");
  std::printf("server RSS before: %.1f MiB\n", ProcessRssMiB(server));

  // The writer: another process running an experiment into the same file meanwhile.
  const std::string live = dir + "/panic_bench_serve_load.live.json";
  std::ofstream(live) << R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1, 2, 3, 4, 5, 6, 7, 8],
    "prompts": ["live a", "live b"], "embedding_models": ["DummyText"], "max_length": 2000,
    "options": {"loop_detection": "off"}})";
  const int writer = Spawn({cli, "--db", db, "experiment", "run", live}, dir + "/panic_bench_serve_load.writer.log");

  int64_t total_failures = 0;
  for (int round = 1; round <= rounds; ++round) {
    std::mutex mu;
    std::vector<double> latencies;
    std::atomic<int64_t> failures{0};
    std::vector<std::string> examples;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        httplib::Client client("127.0.0.1", port);
        client.set_connection_timeout(30, 0);
        client.set_read_timeout(30, 0);
        client.set_tcp_nodelay(true);
        std::vector<double> mine;
        for (size_t i = static_cast<size_t>(c); std::chrono::steady_clock::now() < end; ++i) {
          const std::string& path = paths[i % paths.size()];
          const auto t0 = std::chrono::steady_clock::now();
          auto res = client.Get(path.c_str());
          mine.push_back(bench::Since(t0));
          if (!res || res->status != 200) {
            ++failures;
            std::lock_guard<std::mutex> lock(mu);
            if (examples.size() < 5) {
              examples.push_back(path + ": " + (res ? std::to_string(res->status) : httplib::to_string(res.error())));
            }
          }
        }
        std::lock_guard<std::mutex> lock(mu);
        latencies.insert(latencies.end(), mine.begin(), mine.end());
      });
    }
    for (auto& t : threads) t.join();
    total_failures += failures;
    std::printf("round %d: %zu requests (%.0f/s), %lld failed; latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; "
                "server RSS after: %.1f MiB\n",
                round, latencies.size(), static_cast<double>(latencies.size()) / seconds,
                static_cast<long long>(failures.load()), bench::Percentile(latencies, 50) * 1000,
                bench::Percentile(latencies, 90) * 1000, bench::Percentile(latencies, 99) * 1000,
                *std::max_element(latencies.begin(), latencies.end()) * 1000, ProcessRssMiB(server));
    for (const auto& e : examples) std::printf("  failure: %s\n", e.c_str());
    std::fflush(stdout);
  }
  auto progress = nlohmann::json::parse(probe.Get("/api/experiments")->body);
  for (const auto& e : progress) {
    if (e["prompts"][0] == "live a") {
      std::printf("the writer meanwhile: %lld of %d invocations written\n",
                  static_cast<long long>(e["invocations"].get<int64_t>()), 16 * 2000);
    }
  }
  kill(writer, SIGINT);
  waitpid(writer, nullptr, 0);
  kill(server, SIGINT);
  int status = 0;
  waitpid(server, &status, 0);
  std::printf("server exit: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return total_failures == 0 ? 0 : 1;
}
