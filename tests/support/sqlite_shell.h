// The sqlite3 shell on a database file, for tests that read (or damage) a database the way an
// outside tool does. Every variant runs `sqlite3 DB SQL` and fails the calling test
// (non-fatally) when the shell exits non-zero, naming the SQL and what the shell printed.
// They differ only in what they return, so a test says which comparison it makes:
//   SqlOutput      standard output as printed: every row ends with '\n';
//   SqlValue       standard output without its trailing newlines: a single value as it is;
//   SqlWithStderr  standard output and standard error together, as printed (2>&1).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "support/test_support.h"

namespace panic::testing {

inline std::string SqlOutput(const std::string& db, const std::string& sql) {
  auto r = RunShell("sqlite3 " + ShellQuote(db) + " " + ShellQuote(sql));
  EXPECT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
  return r.out;
}

inline std::string SqlValue(const std::string& db, const std::string& sql) {
  std::string out = SqlOutput(db, sql);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

inline std::string SqlWithStderr(const std::string& db, const std::string& sql) {
  auto r = RunShell("sqlite3 " + ShellQuote(db) + " " + ShellQuote(sql) + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << sql << "\n" << r.out;
  return r.out;
}

}  // namespace panic::testing
