// One live writer per experiment (issue 9 §7). A writer (`experiment run`, `resume`) holds
// a row of writer_leases: its pid, host, start time and a heartbeat that a background
// thread renews every LeaseOptions::heartbeat_every_s. A second writer is refused with who
// holds the experiment; `experiment delete` is refused while a writer is live. A lease is
// live until it is released, or until it is stale:
//   - its process on this host has ended (kill(pid, 0) fails with ESRCH, or the process
//     is a zombie or has a SIGKILL pending: writer_lease.cpp ProcessEnded), or
//   - its heartbeat is older than LeaseOptions::stale_after_s (a crashed process on another
//     host, or a pid reused on this one),
// and a stale lease is taken over by the next writer at once, which says so (took_over()).
// A live process's lease, and another host's with a fresh heartbeat, are never taken over.
// Readers never look at leases, so
// they are never blocked.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "panic/core/status.h"

namespace panic::store {

class Database;
class SqliteDb;

inline constexpr double kLeaseHeartbeatSeconds = 15;
inline constexpr double kLeaseStaleAfterSeconds = 120;

struct LeaseOptions {
  double heartbeat_every_s = kLeaseHeartbeatSeconds;
  double stale_after_s = kLeaseStaleAfterSeconds;
};

struct LeaseHolder {
  std::string experiment_id;
  int64_t pid = 0;
  std::string host;
  std::string started_at;
  std::string heartbeat_at;
  double heartbeat_age_s = 0;  // seconds since the last heartbeat, by this host's clock
};

// This machine's host name, as leases record it.
std::string LocalHostName();

// The live (not stale) writer of the experiment, if any.
Result<std::optional<LeaseHolder>> LiveWriter(SqliteDb& db, const std::string& experiment_id,
                                              const LeaseOptions& options = {});
Result<std::optional<LeaseHolder>> LiveWriter(Database& db, const std::string& experiment_id,
                                              const LeaseOptions& options = {});

// The error of a writer that finds the experiment held (IOError, exit 1).
Status HeldBy(const LeaseHolder& holder);

class WriterLease {
 public:
  // Takes the experiment's lease (taking over a stale one) and starts the heartbeat.
  // IOError "experiment X is being run by process PID on HOST since TIME" when a live writer
  // holds it.
  static Result<std::unique_ptr<WriterLease>> Acquire(Database& db, const std::string& experiment_id,
                                                      const LeaseOptions& options = {});
  // Stops the heartbeat and releases the lease if it is still ours.
  ~WriterLease();
  WriterLease(const WriterLease&) = delete;
  WriterLease& operator=(const WriterLease&) = delete;

  // True once a heartbeat found the lease gone (taken over after this process stalled past
  // stale_after_s, or the experiment deleted): the holder should stop writing.
  bool lost() const { return lost_.load(); }
  const std::string& token() const { return token_; }
  // "" when no lease was there; otherwise "took over the writer lease of experiment X from
  // process PID on HOST (since T): that process has ended" (or: its heartbeat is stale).
  const std::string& took_over() const { return took_over_; }

 private:
  WriterLease(std::unique_ptr<SqliteDb> db, std::string experiment_id, std::string token, LeaseOptions options);
  void HeartbeatLoop();

  std::unique_ptr<SqliteDb> db_;  // the lease's own connection, used by the heartbeat thread
  std::string experiment_id_;
  std::string token_;
  std::string took_over_;
  LeaseOptions options_;
  std::atomic<bool> lost_{false};
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread heartbeat_;
};

}  // namespace panic::store
