#include "panic/store/writer_lease.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "panic/core/uuid.h"
#include "panic/store/database.h"
#include "panic/store/sqlite_db.h"

namespace panic::store {
namespace {

constexpr const char* kNowSql = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

// Whether process `pid` of this host has ended: it does not exist (kill(pid, 0) fails with
// ESRCH), it is a zombie (dead, its parent has not reaped it yet: kill(pid, 0) still
// succeeds; mpirun, busy ending the other ranks, can take a while), or a SIGKILL is pending
// for it (a process killed inside a system call, e.g. SQLite's fsync, stays until the call
// returns, and never runs its own code again). /proc is Linux's; elsewhere only ESRCH counts.
bool ProcessEnded(int64_t pid) {
  if (pid <= 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0) return errno == ESRCH;
  const std::string proc = "/proc/" + std::to_string(pid);
  if (std::ifstream stat(proc + "/stat"); stat) {
    std::string line;
    std::getline(stat, line);
    // "PID (COMM) STATE …"; COMM may hold ')' itself, so the state follows the last one.
    const size_t close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && (line[close + 2] == 'Z' || line[close + 2] == 'X')) {
      return true;
    }
  }
  if (std::ifstream status(proc + "/status"); status) {
    constexpr unsigned long long kKill = 1ull << (SIGKILL - 1);
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("SigPnd:", 0) == 0 || line.rfind("ShdPnd:", 0) == 0) {
        if (std::strtoull(line.c_str() + 7, nullptr, 16) & kKill) return true;
      }
    }
  }
  return false;
}

// Why a lease no longer holds, or "" while it does.
std::string StaleBecause(const LeaseHolder& h, const LeaseOptions& options) {
  if (h.host == LocalHostName() && ProcessEnded(h.pid)) return "that process has ended";
  if (h.heartbeat_age_s > options.stale_after_s) {
    char text[96];
    std::snprintf(text, sizeof text, "its last heartbeat was %.0f s ago (stale after %.0f s)", h.heartbeat_age_s,
                  options.stale_after_s);
    return text;
  }
  return "";
}

bool IsStale(const LeaseHolder& h, const LeaseOptions& options) { return !StaleBecause(h, options).empty(); }

// The lease row of the experiment, live or stale.
Result<std::optional<LeaseHolder>> ReadLease(SqliteDb& db, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT pid, host, started_at, heartbeat_at, (julianday('now') - julianday(heartbeat_at)) * 86400.0 "
      "FROM writer_leases WHERE experiment_id = ?"));
  q->Bind(1, experiment_id);
  PANIC_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) return std::optional<LeaseHolder>();
  LeaseHolder h;
  h.experiment_id = experiment_id;
  h.pid = q->Int(0);
  h.host = q->Text(1);
  h.started_at = q->Text(2);
  h.heartbeat_at = q->Text(3);
  // An unparsable heartbeat (NULL age) counts as infinitely old.
  h.heartbeat_age_s = q->IsNull(4) ? INFINITY : q->Double(4);
  q->Reset();
  return std::optional<LeaseHolder>(std::move(h));
}

}  // namespace

std::string LocalHostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

Status HeldBy(const LeaseHolder& h) {
  char age[32];
  std::snprintf(age, sizeof age, "%.0f", h.heartbeat_age_s);
  return Status::IOError("experiment " + h.experiment_id + " is being run by process " + std::to_string(h.pid) +
                         " on " + h.host + " since " + h.started_at + " (last heartbeat " + age + " s ago)");
}

Result<std::optional<LeaseHolder>> LiveWriter(SqliteDb& db, const std::string& experiment_id,
                                              const LeaseOptions& options) {
  PANIC_ASSIGN_OR_RETURN(auto lease, ReadLease(db, experiment_id));
  if (lease && IsStale(*lease, options)) lease.reset();
  return lease;
}

Result<std::optional<LeaseHolder>> LiveWriter(Database& db, const std::string& experiment_id,
                                              const LeaseOptions& options) {
  return LiveWriter(db.connection(), experiment_id, options);
}

Result<std::unique_ptr<WriterLease>> WriterLease::Acquire(Database& database, const std::string& experiment_id,
                                                          const LeaseOptions& options) {
  if (database.mode() == OpenMode::kReadOnly) {
    return Status::Internal("a writer lease needs a database opened for writing");
  }
  SqliteDb::Options db_options;
  db_options.create_if_missing = false;
  PANIC_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(database.path(), db_options));
  const std::string token = NewUuidV7();
  std::string took_over;
  {
    PANIC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(*db));
    PANIC_ASSIGN_OR_RETURN(auto held, ReadLease(*db, experiment_id));
    if (held) {
      const std::string because = StaleBecause(*held, options);
      if (because.empty()) return HeldBy(*held);
      took_over = "took over the writer lease of experiment " + experiment_id + " from process " +
                  std::to_string(held->pid) + " on " + held->host + " (since " + held->started_at + "): " + because;
    }
    // A stale lease (a crashed writer) is replaced.
    PANIC_ASSIGN_OR_RETURN(Statement * del, db->Prepare("DELETE FROM writer_leases WHERE experiment_id = ?"));
    del->Bind(1, experiment_id);
    PANIC_RETURN_IF_ERROR(del->Run());
    PANIC_ASSIGN_OR_RETURN(Statement * ins, db->Prepare(
        std::string("INSERT INTO writer_leases (experiment_id, token, pid, host, started_at, heartbeat_at) "
                    "VALUES (?, ?, ?, ?, ") + kNowSql + ", " + kNowSql + ")"));
    ins->Bind(1, experiment_id).Bind(2, token).Bind(3, static_cast<int64_t>(::getpid())).Bind(4, LocalHostName());
    PANIC_RETURN_IF_ERROR(ins->Run().WithContext("writer lease of experiment " + experiment_id));
    PANIC_RETURN_IF_ERROR(txn->Commit());
  }
  std::unique_ptr<WriterLease> lease(new WriterLease(std::move(db), experiment_id, token, options));
  lease->took_over_ = std::move(took_over);
  return lease;
}

WriterLease::WriterLease(std::unique_ptr<SqliteDb> db, std::string experiment_id, std::string token,
                         LeaseOptions options)
    : db_(std::move(db)), experiment_id_(std::move(experiment_id)), token_(std::move(token)), options_(options) {
  heartbeat_ = std::thread([this] { HeartbeatLoop(); });
}

void WriterLease::HeartbeatLoop() {
  const auto period = std::chrono::duration<double>(options_.heartbeat_every_s);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_cv_.wait_for(lock, period, [this] { return stop_; })) {
    lock.unlock();
    // Not counted by the fault seam: heartbeats follow the clock. A busy database only
    // delays one beat; the next one retries.
    auto txn = Transaction::Begin(*db_, Transaction::FaultCounting::kNotCounted);
    if (txn.ok()) {
      auto q = db_->Prepare(std::string("UPDATE writer_leases SET heartbeat_at = ") + kNowSql +
                            " WHERE experiment_id = ? AND token = ?");
      if (q.ok()) {
        (*q)->Bind(1, experiment_id_).Bind(2, token_);
        if ((*q)->Run().ok() && db_->Changes() == 0) lost_ = true;
        (void)(*txn)->Commit();
      }
    }
    lock.lock();
    if (lost_) break;
  }
}

WriterLease::~WriterLease() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  heartbeat_.join();
  auto txn = Transaction::Begin(*db_);
  if (!txn.ok()) return;  // the lease goes stale and is taken over
  auto q = db_->Prepare("DELETE FROM writer_leases WHERE experiment_id = ? AND token = ?");
  if (!q.ok()) return;
  (*q)->Bind(1, experiment_id_).Bind(2, token_);
  if ((*q)->Run().ok()) (void)(*txn)->Commit();
}

}  // namespace panic::store
