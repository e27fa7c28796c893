// The dashboard's JSON API through a real server on loopback: every endpoint, ids, paths,
// methods, sizes, images and their caching, a broken blob.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "panic/serve/request_parsing.h"
#include "serve/serve_fixture.h"

namespace panic::testing {
namespace {

class DashboardApiTest : public DashboardDatabase {
 protected:
  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    server_ = std::make_unique<ServedDatabase>(db_path());
    ASSERT_TRUE(server_->ok()) << server_->error();
    exp_ = experiment_id();
    ASSERT_FALSE(exp_.empty());
  }
  // The runs of the experiment, by run number.
  nlohmann::json Runs() { return server_->GetJson("/api/experiments/" + exp_ + "/runs?per_page=500")["runs"]; }
  std::unique_ptr<ServedDatabase> server_;
  std::string exp_;
};

TEST_F(DashboardApiTest, ExperimentsListHasProgressAndStatus) {
  auto list = server_->GetJson("/api/experiments");
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], exp_);
  EXPECT_EQ(list[0]["runs_total"], 4);
  EXPECT_EQ(list[0]["runs_finished"], 4);
  EXPECT_EQ(list[0]["status"], "completed");
  EXPECT_EQ(list[0]["prompts"][0], kScriptPrompt);  // stored text as it is: the page escapes it
}

TEST_F(DashboardApiTest, ExperimentShowHasStagesAndStopReasons) {
  auto j = server_->GetJson("/api/experiments/" + exp_);
  EXPECT_EQ(j["status"], "completed");
  EXPECT_EQ(j["runs"]["total"], 4);
  EXPECT_EQ(j["runs"]["stop_reasons"]["length"].get<int>() + j["runs"]["stop_reasons"].value("duplicate", 0), 4);
  EXPECT_TRUE(j["stages"].contains("runs")) << j.dump();
  EXPECT_EQ(j["embedding_models_progress"]["DummyText"]["embeddings"]["done"],
            j["embedding_models_progress"]["DummyText"]["embeddings"]["expected"]);
}

TEST_F(DashboardApiTest, RunsPageSortsAndPages) {
  auto all = Runs();
  ASSERT_EQ(all.size(), 4u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i]["run_number"], static_cast<int>(i));
  auto page = server_->GetJson("/api/experiments/" + exp_ + "/runs?per_page=3&page=2");
  EXPECT_EQ(page["total"], 4);
  ASSERT_EQ(page["runs"].size(), 1u);
  EXPECT_EQ(page["runs"][0]["run_number"], 3);
  auto desc = server_->GetJson("/api/experiments/" + exp_ + "/runs?sort=number&order=desc&per_page=2");
  ASSERT_EQ(desc["runs"].size(), 2u);
  EXPECT_EQ(desc["runs"][0]["run_number"], 3);
  EXPECT_EQ(desc["runs"][1]["run_number"], 2);
  // By length, descending: lengths never increase down the page and match run show.
  auto by_length = server_->GetJson("/api/experiments/" + exp_ + "/runs?sort=length&order=desc&per_page=10")["runs"];
  ASSERT_EQ(by_length.size(), 4u);
  for (size_t i = 1; i < by_length.size(); ++i) EXPECT_GE(by_length[i - 1]["length"], by_length[i]["length"]);
  for (const auto& r : by_length) {
    auto run = server_->GetJson("/api/runs/" + r["id"].get<std::string>());
    EXPECT_EQ(run["length"], r["length"]);
    EXPECT_EQ(run["invocations"].size(), r["length"].get<size_t>());
  }
}

TEST_F(DashboardApiTest, RunsPageRefusesBadParameters) {
  const std::string base = "/api/experiments/" + exp_ + "/runs";
  for (const char* q : {"?sort=rowid", "?sort=run_number;DROP%20TABLE%20runs", "?order=up", "?page=0", "?page=-1",
                        "?per_page=501", "?per_page=abc", "?page=1e3"}) {
    auto j = server_->GetJson(base + q, 400);
    EXPECT_TRUE(j.contains("error")) << q;
  }
  auto j = server_->GetJson(base + "?sort=rowid", 400);
  EXPECT_NE(j["error"].get<std::string>().find("number, length"), std::string::npos) << j.dump();
}

TEST_F(DashboardApiTest, RunShowsStepsImagesCaptionsAndDiagrams) {
  const std::string run = Runs()[0]["id"];
  auto j = server_->GetJson("/api/runs/" + run);
  EXPECT_EQ(j["initial_prompt"], kScriptPrompt);
  ASSERT_GE(j["invocations"].size(), 2u);
  EXPECT_EQ(j["invocations"][0]["type"], "image");
  EXPECT_EQ(j["invocations"][1]["type"], "text");
  EXPECT_FALSE(j["invocations"][1]["output_text"].get<std::string>().empty());
  EXPECT_EQ(j["diagrams"], nlohmann::json({"DummyText", "DummyVision"}));
  auto d = server_->GetJson("/api/runs/" + run + "/diagrams");
  ASSERT_EQ(d["diagrams"].size(), 2u);
  for (const auto& diagram : d["diagrams"]) {
    ASSERT_TRUE(diagram.contains("dimensions")) << diagram.dump();
    EXPECT_FALSE(diagram["dimensions"][0]["bars"].empty());
    EXPECT_TRUE(diagram["dimensions"][0]["entropy"].is_number());
  }
  // Drift is what `analyse drift` reports for the run: from the prompt's embedding for the
  // text model, from the first image for the image model, output by output in step order.
  auto drift = server_->GetJson("/api/runs/" + run + "/drift");
  CommandResult analysed = RunCli({"--db", db_path(), "analyse", "drift", "latest", "--format", "json"});
  ASSERT_EQ(analysed.exit_code, 0) << analysed.err;
  std::map<std::string, std::vector<double>> want;
  std::map<std::string, std::string> reference;
  for (const auto& row : nlohmann::json::parse(analysed.out)) {
    if (row["run_id"] != run) continue;
    want[row["embedding_model"]].push_back(row["semantic_drift"].get<double>());
    reference[row["embedding_model"]] = row["reference"];
  }
  EXPECT_EQ(reference["DummyText"], "prompt");
  EXPECT_EQ(drift["references"]["DummyText"], "prompt");
  EXPECT_EQ(reference["DummyVision"], "first_image");
  EXPECT_EQ(drift["references"]["DummyVision"], "first_output");
  for (const char* m : {"DummyText", "DummyVision"}) {
    const auto& values = drift["models"][m];
    ASSERT_GE(values.size(), 2u) << m;
    ASSERT_EQ(values.size(), want[m].size()) << m;
    for (size_t i = 0; i < values.size(); ++i) EXPECT_NEAR(values[i].get<double>(), want[m][i], 1e-12) << m << " " << i;
  }
  EXPECT_DOUBLE_EQ(drift["models"]["DummyVision"][0].get<double>(), 0.0);  // the first image is its reference
  EXPECT_GT(drift["models"]["DummyText"][0].get<double>(), 0.0);           // a caption is not its prompt
}

TEST_F(DashboardApiTest, ImagesHaveCachingHeadersAndAnswer304) {
  const std::string run = Runs()[0]["id"];
  const std::string image = server_->GetJson("/api/runs/" + run)["invocations"][0]["id"];
  auto res = server_->Get("/api/images/" + image);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/webp");
  EXPECT_EQ(res->body.substr(0, 4), "RIFF");
  EXPECT_EQ(res->get_header_value("ETag"), "\"" + image + "\"");
  EXPECT_NE(res->get_header_value("Cache-Control").find("max-age="), std::string::npos);
  auto client = server_->Client();
  auto again = client.Get(("/api/images/" + image).c_str(), {{"If-None-Match", "\"" + image + "\""}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  // A text output has no image: 404 JSON.
  const std::string text = server_->GetJson("/api/runs/" + run)["invocations"][1]["id"];
  auto j = server_->GetJson("/api/images/" + text, 404);
  EXPECT_NE(j["error"].get<std::string>().find("text output"), std::string::npos);
}

TEST_F(DashboardApiTest, ClustersListAndShowWithExamples) {
  auto list = server_->GetJson("/api/clusters");
  ASSERT_EQ(list.size(), 1u);
  const std::string id = list[0]["id"];
  auto j = server_->GetJson("/api/clusters/" + id + "?limit=3");
  ASSERT_FALSE(j["clusters"].empty());
  EXPECT_LE(j["clusters"].size(), 3u);
  int64_t previous = INT64_MAX;
  for (const auto& c : j["clusters"]) {
    EXPECT_LE(c["size"].get<int64_t>(), previous);  // the largest first
    previous = c["size"];
    EXPECT_EQ(c["medoid_type"], "text");
    ASSERT_FALSE(c["examples"].empty());
    // A caption's example shows the image it was made from.
    EXPECT_TRUE(c["examples"][0]["input_image_invocation_id"].is_string()) << c.dump();
  }
}

TEST_F(DashboardApiTest, BadIdsAre400AndUnknownIds404WithJsonBodies) {
  for (const char* path : {"/api/runs/xyz", "/api/runs/01a23883-dec0-72f3-bfe5-090a1705a22", "/api/experiments/latest",
                           "/api/images/1%27OR1=1", "/api/clusters/01a23883-dec0-72f3-bfe5-090a1705a22g",
                           "/api/runs/01a23883_dec0_72f3_bfe5_090a1705a22d/diagrams"}) {
    auto j = server_->GetJson(path, 400);
    EXPECT_EQ(j["status"], 400) << path;
    EXPECT_NE(j["error"].get<std::string>().find("not a UUID"), std::string::npos) << path << j.dump();
  }
  const std::string unknown = "00000000-0000-7000-8000-000000000000";
  for (const std::string& path : {"/api/runs/" + unknown, "/api/experiments/" + unknown,
                                  "/api/experiments/" + unknown + "/runs", "/api/runs/" + unknown + "/diagrams",
                                  "/api/runs/" + unknown + "/drift", "/api/clusters/" + unknown,
                                  "/api/images/" + unknown}) {
    auto j = server_->GetJson(path, 404);
    EXPECT_EQ(j["status"], 404) << path;
  }
  EXPECT_EQ(server_->GetJson("/api/nothing", 404)["status"], 404);
}

TEST_F(DashboardApiTest, PathTraversalNamesNoFile) {
  auto client = server_->Client();
  for (const char* path : {"/static/../../../../etc/passwd", "/static/..%2F..%2Fetc%2Fpasswd", "/static/%2e%2e/CMakeLists.txt",
                           "/../../etc/passwd", "/static/app.js/../../../etc/passwd", "/static//etc/passwd",
                           "/static/.%00./etc/passwd", "/etc/passwd", "/static/EmbedAssets.cmake"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_TRUE(res->status == 404 || res->status == 400) << path << " → " << res->status;
    EXPECT_EQ(res->body.find("root:"), std::string::npos) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << path;
  }
}

TEST_F(DashboardApiTest, OnlyGetAndHeadAreAnswered) {
  auto client = server_->Client();
  auto post = client.Post("/api/experiments", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  auto del = client.Delete(("/api/experiments/" + exp_).c_str());
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  EXPECT_EQ(server_->GetJson("/api/experiments").size(), 1u);  // nothing was deleted
  auto head = client.Head("/api/experiments");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
}

TEST_F(DashboardApiTest, OversizedRequestsAreRefused) {
  auto client = server_->Client();
  // A body: the dashboard takes none, and refuses the request before reading it.
  auto big = client.Post("/api/experiments", std::string(4 * serve::kMaxBodyBytes, 'x'), "text/plain");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 405);
  // A URI over cpp-httplib's 8 KiB cap, and a path over ours.
  auto long_uri = client.Get(("/api/experiments?x=" + std::string(9000, 'a')).c_str());
  ASSERT_TRUE(long_uri);
  EXPECT_EQ(long_uri->status, 414);
  auto long_path = client.Get(("/api/" + std::string(serve::kMaxPathBytes + 10, 'a')).c_str());
  ASSERT_TRUE(long_path);
  EXPECT_EQ(long_path->status, 400);
  // A header over the cap: the connection is refused or answered 400, and the server lives on.
  auto huge_header = client.Get("/api/experiments", {{"X-Big", std::string(10000, 'h')}});
  if (huge_header) {
    EXPECT_GE(huge_header->status, 400);
  }
  EXPECT_EQ(server_->GetJson("/api/experiments").size(), 1u);
}

TEST_F(DashboardApiTest, EveryResponseHasTheSecurityHeaders) {
  for (const char* path : {"/", "/static/app.js", "/api/experiments", "/api/runs/xyz", "/nothing"}) {
    auto res = server_->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->get_header_value("Content-Security-Policy"), serve::kContentSecurityPolicy) << path;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << path;
  }
}

TEST_F(DashboardApiTest, BrokenImageBlobGivesAPlaceholder) {
  TempDir tmp;
  const std::string copy = tmp.File("broken.db");
  std::filesystem::copy_file(db_path(), copy);
  const std::string run = Runs()[0]["id"];
  const std::string image = server_->GetJson("/api/runs/" + run)["invocations"][0]["id"];
  CommandResult broke = RunShell("sqlite3 " + ShellQuote(copy) + " \"UPDATE invocations SET output_image = x'52494646' WHERE id = '" + image + "'\"");
  ASSERT_EQ(broke.exit_code, 0) << broke.err;
  ServedDatabase broken(copy);
  ASSERT_TRUE(broken.ok()) << broken.error();
  auto res = broken.Get("/api/images/" + image);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/svg+xml");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  EXPECT_NE(res->body.find("<svg"), std::string::npos);
  // The run page's data still comes.
  EXPECT_EQ(broken.GetJson("/api/runs/" + run)["invocations"][0]["image_bytes"], 4);
}

TEST(RequestParsingTest, UuidSyntax) {
  EXPECT_TRUE(serve::IsUuid("01a23883-dec0-72f3-bfe5-090a1705a22d"));
  EXPECT_TRUE(serve::IsUuid("01A23883-DEC0-72F3-BFE5-090A1705A22D"));
  for (const char* bad : {"", "01a23883dec072f3bfe5090a1705a22d", "01a23883-dec0-72f3-bfe5-090a1705a22",
                          "01a23883-dec0-72f3-bfe5-090a1705a22dd", "01a23883-dec0-72f3-bfe5_090a1705a22d",
                          "g1a23883-dec0-72f3-bfe5-090a1705a22d", "../../../../../../../../etc/passwd00000"}) {
    EXPECT_FALSE(serve::IsUuid(bad)) << bad;
  }
}

// A client that opens a connection and never finishes its request (slow or stalled) holds
// one worker, for at most the server's read timeout (5 s): the other workers keep
// answering, and once stalled clients outnumber the workers, a request waits for that
// timeout rather than forever. The server closes each stalled connection.
int OpenStalledConnection(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string partial = "GET /api/experiments HTTP/1.1\r\nHost: x\r\n";  // no blank line: never ends
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      send(fd, partial.data(), partial.size(), 0) != static_cast<ssize_t>(partial.size())) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST_F(DashboardApiTest, StalledClientsDoNotBlockOthers) {
  ServedDatabase small(db_path(), /*threads=*/2);
  ASSERT_TRUE(small.ok()) << small.error();
  std::vector<int> stalled = {OpenStalledConnection(small.port())};
  ASSERT_GE(stalled[0], 0);
  // One stalled client of two workers: answered by the other (the fixture's client gives
  // up after 10 s, twice the server's read timeout).
  auto list = small.GetJson("/api/experiments");
  ASSERT_TRUE(list.is_array());
  EXPECT_EQ(list.size(), 1u);
  // Three stalled clients of two workers: answered once the read timeout frees workers.
  for (int i = 0; i < 2; ++i) {
    stalled.push_back(OpenStalledConnection(small.port()));
    ASSERT_GE(stalled.back(), 0);
  }
  httplib::Client patient = small.Client();
  patient.set_read_timeout(60, 0);
  auto res = patient.Get("/api/experiments");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  for (int fd : stalled) {
    // Whatever the server says first, it must then close: read to the end, bounded by a
    // receive timeout far above the server's read timeout so that a hang fails, not blocks.
    timeval wait{60, 0};
    ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait), 0);
    char buffer[4096];
    ssize_t n;
    while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) {
    }
    EXPECT_TRUE(n == 0 || errno == ECONNRESET) << "a stalled connection stayed open: " << std::strerror(errno);
    close(fd);
  }
}

TEST(RequestParsingTest, RoutesAndIds) {
  auto r = serve::ParseRoute("/api/runs/01A23883-DEC0-72F3-BFE5-090A1705A22D/diagrams");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, serve::RouteKind::kRunDiagrams);
  EXPECT_EQ(r->id, "01a23883-dec0-72f3-bfe5-090a1705a22d");
  EXPECT_EQ(serve::ParseRoute("/").value().name, "index.html");
  EXPECT_EQ(serve::ParseRoute("/run").value().name, "run.html");
  EXPECT_EQ(serve::ParseRoute("/static/app.js").value().kind, serve::RouteKind::kAsset);
  EXPECT_EQ(serve::ParseRoute("/api/runs/x/y/z").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(serve::ParseRoute("/api//runs").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(serve::ParseRoute("/static/a/b").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(serve::ParseRoute("static//").status().code(), StatusCode::kNotFound);  // found by the fuzzer
  EXPECT_EQ(serve::ParseRoute("/api/runs/abc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(serve::ParseRoute(std::string("/a\0b", 4)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(serve::ParseRoute(std::string(serve::kMaxPathBytes + 1, 'a')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(serve::ParseBoundedInt("page", "", 1, 10, 3).value(), 3);
  EXPECT_EQ(serve::ParseBoundedInt("page", "10", 1, 10, 3).value(), 10);
  EXPECT_FALSE(serve::ParseBoundedInt("page", "11", 1, 10, 3).ok());
  EXPECT_FALSE(serve::ParseBoundedInt("page", "99999999999999999999", 1, 10, 3).ok());
  EXPECT_FALSE(serve::ParseBoundedInt("page", " 1", 1, 10, 3).ok());
}

}  // namespace
}  // namespace panic::testing
