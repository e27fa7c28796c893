// A small database made by the built CLI (dummy models: two prompts, one of them a
// `<script>` tag, two fixed seeds — the same outputs and 6 clusters every time — 20 steps, a
// clustering result) and a dashboard server on an ephemeral loopback port, in-process, with
// an httplib::Client to ask it.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "panic/serve/dashboard_server.h"
#include "support/test_support.h"

namespace panic::testing {

inline constexpr const char* kScriptPrompt = "<script>alert('x')</script> a red apple";

// Writes the config and runs `experiment run` and `cluster run` into `db`; returns "" or
// what failed.
std::string MakeDashboardDatabase(const std::string& db, const std::string& dir, int max_length = 20);

// The server of one database, started on an ephemeral port; stopped on destruction.
class ServedDatabase {
 public:
  explicit ServedDatabase(const std::string& db_path, int threads = 8);
  ~ServedDatabase();
  bool ok() const { return server_ != nullptr; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  httplib::Client Client() const;
  // GET: status and body; the body parsed as JSON when it is JSON.
  httplib::Result Get(const std::string& path) const;
  nlohmann::json GetJson(const std::string& path, int expected_status = 200) const;

 private:
  std::unique_ptr<serve::DashboardServer> server_;
  std::string error_;
  int port_ = 0;
};

// The shared database of the tests of one executable (made once).
class DashboardDatabase : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  static std::string db_path();
  static std::string experiment_id();
  static TempDir* dir_;
  static std::string setup_error_;
};

}  // namespace panic::testing
