#include "serve/serve_fixture.h"

namespace panic::testing {

TempDir* DashboardDatabase::dir_ = nullptr;
std::string DashboardDatabase::setup_error_;

std::string MakeDashboardDatabase(const std::string& db, const std::string& dir, int max_length) {
  const std::string config = dir + "/dashboard_config.json";
  nlohmann::json c = {{"networks", nlohmann::json::array({nlohmann::json::array({"DummyT2I", "DummyI2T"})})},
                      {"seeds", {42, 7}},
                      {"prompts", {kScriptPrompt, "a penguin by a campfire"}},
                      {"embedding_models", {"DummyText", "DummyVision"}},
                      {"max_length", max_length}};
  WriteFile(config, c.dump());
  CommandResult run = RunCli({"--db", db, "experiment", "run", config});
  if (run.exit_code != 0) return "experiment run: " + run.err;
  CommandResult cluster = RunCli({"--db", db, "cluster", "run", "--experiment", "latest", "--model", "DummyText"});
  if (cluster.exit_code != 0) return "cluster run: " + cluster.err;
  return "";
}

ServedDatabase::ServedDatabase(const std::string& db_path, int threads) {
  serve::ServeOptions options;
  options.db_path = db_path;
  options.port = 0;
  options.threads = threads;
  auto server = serve::DashboardServer::Create(options);
  if (!server.ok()) {
    error_ = server.status().ToString();
    return;
  }
  auto port = (*server)->Bind();
  if (!port.ok()) {
    error_ = port.status().ToString();
    return;
  }
  Status started = (*server)->Start();
  if (!started.ok()) {
    error_ = started.ToString();
    return;
  }
  port_ = *port;
  server_ = std::move(*server);
}

ServedDatabase::~ServedDatabase() {
  if (server_) server_->Stop();
}

httplib::Client ServedDatabase::Client() const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  return client;
}

httplib::Result ServedDatabase::Get(const std::string& path) const { return Client().Get(path.c_str()); }

nlohmann::json ServedDatabase::GetJson(const std::string& path, int expected_status) const {
  auto res = Get(path);
  if (!res) {
    ADD_FAILURE() << path << ": no response (" << httplib::to_string(res.error()) << ")";
    return nullptr;
  }
  EXPECT_EQ(res->status, expected_status) << path << ": " << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << path;
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << path << ": not JSON: " << res->body.substr(0, 200);
  return j;
}

void DashboardDatabase::SetUpTestSuite() {
  dir_ = new TempDir();
  setup_error_ = MakeDashboardDatabase(db_path(), dir_->path().string());
}

void DashboardDatabase::TearDownTestSuite() {
  delete dir_;
  dir_ = nullptr;
}

std::string DashboardDatabase::db_path() { return dir_->File("dashboard.db"); }

std::string DashboardDatabase::experiment_id() {
  CommandResult r = RunCli({"--db", db_path(), "--json", "experiment", "list"});
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.is_array() || j.empty()) return "";
  return j[0]["id"];
}

}  // namespace panic::testing
