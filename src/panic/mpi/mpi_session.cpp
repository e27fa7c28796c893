#include "panic/mpi/mpi_session.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <deque>
#include <future>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "panic/engine/stage.h"
#include "panic/engine/stage_registry.h"
#include "panic/mpi/mpi_trace.h"
#include "panic/mpi/work_codec.h"

#ifdef PANIC_HAVE_MPI
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace panic::mpi {

#ifndef PANIC_HAVE_MPI

class Session::Executor {};
Result<std::unique_ptr<Session>> Session::Start(double) {
  return Status::InvalidArgument("--mpi: this build has no MPI (configure with -DPANIC_MPI=ON where Open MPI is installed)");
}
Session::~Session() = default;
engine::UnitExecutor* Session::executor(const engine::CancelFlag*) { return nullptr; }
Status Session::ServeWorker(models::ModelRegistry&) { return Status::Internal("no MPI in this build"); }
const std::map<std::string, StageTraffic>& Session::traffic() const {
  static const std::map<std::string, StageTraffic> kNone;
  return kNone;
}
std::string Session::TrafficReport() const { return ""; }

#else

namespace {

constexpr int kTag = 16;  // every message of the protocol

Status MpiError(int code, const std::string& what) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  return Status::IOError(what + ": " + std::string(text, static_cast<size_t>(len)));
}

using Clock = std::chrono::steady_clock;

// Sends and waits until the receiver has the message (above Open MPI's eager limit a send
// completes only when it is received). With a limit, a receiver that takes none of it for
// `limit_s` seconds is an IOError with *lost set (a dead or hung rank), instead of
// blocking forever; a set `cancel` flag (SIGTERM from mpirun when a rank died) ends the
// wait as Cancelled.
Status SendBytes(const std::string& bytes, int to, double limit_s = 0, bool* lost = nullptr,
                 const engine::CancelFlag* cancel = nullptr) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Status::InvalidArgument("an MPI message of " + std::to_string(bytes.size()) + " bytes (at most 2 GiB)");
  }
  MPI_Request request;
  int rc = MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, kTag, MPI_COMM_WORLD, &request);
  if (rc != MPI_SUCCESS) return MpiError(rc, "sending to rank " + std::to_string(to));
  const auto start = Clock::now();
  for (int done = 0;;) {
    rc = MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return MpiError(rc, "sending to rank " + std::to_string(to));
    if (done) return Status::Ok();
    if (limit_s > 0 && std::chrono::duration<double>(Clock::now() - start).count() > limit_s) {
      MPI_Cancel(&request);
      if (lost) *lost = true;
      return Status::IOError("rank " + std::to_string(to) + " took nothing of a message for " +
                                      std::to_string(static_cast<int>(limit_s)) + " s");
    }
    if (cancel && cancel->load()) {
      MPI_Cancel(&request);
      return Status::Cancelled("sending to rank " + std::to_string(to));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

// The message that MPI_Probe/Iprobe found (its size is what MPI says arrived).
Result<std::string> ReceiveProbed(const MPI_Status& probed) {
  int count = 0;
  MPI_Get_count(&probed, MPI_BYTE, &count);
  if (count < 0) return Status::Corruption("an MPI message of unknown size from rank " + std::to_string(probed.MPI_SOURCE));
  std::string bytes(static_cast<size_t>(count), '\0');
  const int rc = MPI_Recv(bytes.data(), count, MPI_BYTE, probed.MPI_SOURCE, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  if (rc != MPI_SUCCESS) return MpiError(rc, "receiving from rank " + std::to_string(probed.MPI_SOURCE));
  return bytes;
}

// The test seam of the fault test: PANIC_TDA_MPI_FAULT=RANK:N makes worker RANK kill
// itself (SIGKILL) when its N-th unit arrives, as a crashed node would.
// PANIC_TDA_MPI_FAULT=RANK:N:stop makes it stop itself (SIGSTOP) instead: a hung rank,
// which mpirun does not notice and rank 0 must.
struct Fault {
  int after = -1;  // the unit at which it strikes; -1: never
  int signal = SIGKILL;
};
Fault FaultFor(int rank) {
  const char* spec = std::getenv("PANIC_TDA_MPI_FAULT");
  if (!spec) return {};
  int r = -1, n = -1;
  char how[8] = "";
  const int got = std::sscanf(spec, "%d:%d:%7s", &r, &n, how);
  if (got < 2 || r != rank) return {};
  return Fault{n, got == 3 && std::string(how) == "stop" ? SIGSTOP : SIGKILL};
}

double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

class Session::Executor : public engine::UnitExecutor {
 public:
  Executor(int size, const engine::CancelFlag* cancel, double silent_limit_s, Trace* trace)
      : size_(size), cancel_(cancel), silent_limit_s_(silent_limit_s), trace_(trace) {
    for (int r = 1; r < size; ++r) idle_.push_back(r);
  }

  Status Begin(const nlohmann::json& options, int threads) override {
    Message hello;
    hello.type = MessageType::kHello;
    hello.options = options;
    hello.threads = threads;
    PANIC_ASSIGN_OR_RETURN(std::string bytes, EncodeMessage(hello));
    for (int r = 1; r < size_; ++r) PANIC_RETURN_IF_ERROR(Send(bytes, r));
    return Status::Ok();
  }

  size_t Capacity(const engine::Stage& stage) override {
    return IsShippedStage(stage.info().name) ? static_cast<size_t>(size_) : 0;  // the workers and rank 0
  }

  Status Submit(engine::Stage& stage, uint64_t ticket, std::any unit, engine::ExecuteContext& ctx) override {
    if (idle_.empty()) {
      // Rank 0's own slot (Capacity counts it): a thread of its own, so that this thread
      // keeps receiving and handing out units meanwhile (MPI calls stay on this thread).
      if (local_.valid()) return Status::Internal("mpi: more units submitted than the executor's capacity");
      local_ticket_ = ticket;
      local_registry_ = &ctx.registry;
      ++traffic_[stage.info().name].units_local;
      if (trace_->on()) trace_->Line("submit", "ticket=" + std::to_string(ticket) + " to=0");
      local_ = std::async(std::launch::async, [&stage, &ctx, u = std::move(unit), ticket, trace = trace_]() {
        const double cpu = Trace::ThreadCpuMs();
        Result<std::any> out = stage.Execute(u, ctx);
        if (trace->on()) {
          trace->Line("executed", "ticket=" + std::to_string(ticket) + " stage=" + stage.info().name +
                                      " cpu_ms=" + std::to_string(Trace::ThreadCpuMs() - cpu));
        }
        return out;
      });
      return Status::Ok();
    }
    Message m;
    m.type = MessageType::kUnit;
    m.ticket = ticket;
    m.stage = stage.info().name;
    m.payload = std::move(unit);
    const double encode_start = Trace::NowMs();
    PANIC_ASSIGN_OR_RETURN(std::string bytes, EncodeMessage(m));
    const int to = idle_.front();
    if (trace_->on()) {
      trace_->Line("submit", "ticket=" + std::to_string(ticket) + " to=" + std::to_string(to) +
                                 " bytes=" + std::to_string(bytes.size()) +
                                 " encode_ms=" + std::to_string(Trace::NowMs() - encode_start));
    }
    idle_.pop_front();
    StageTraffic& t = traffic_[m.stage];
    t.bytes_out += static_cast<int64_t>(bytes.size());
    ++t.units_remote;
    busy_[to] = InFlight{ticket, m.stage, Clock::now(), Clock::now()};
    loaded_.insert(to);
    Status sent = Send(bytes, to);
    if (trace_->on()) trace_->Line("sent", "ticket=" + std::to_string(ticket) + " to=" + std::to_string(to));
    return sent;
  }

  Result<std::pair<uint64_t, std::any>> Collect(engine::Stage& stage, engine::ExecuteContext&) override {
    const std::string& name = stage.info().name;
    if (trace_->on()) trace_->Line("collect");
    while (true) {
      int flag = 0;
      MPI_Status probed;
      const int rc = MPI_Iprobe(MPI_ANY_SOURCE, kTag, MPI_COMM_WORLD, &flag, &probed);
      if (rc != MPI_SUCCESS) return Broken(MpiError(rc, "waiting for the workers"));
      if (flag) {
        auto received = ReceiveProbed(probed);
        if (!received.ok()) return Broken(received.status());
        const std::string& bytes = *received;
        const int from = probed.MPI_SOURCE;
        auto m = DecodeMessage(bytes);
        if (!m.ok()) return m.status().WithContext("from rank " + std::to_string(from));
        if (m->type == MessageType::kBusy) {
          if (auto it = busy_.find(from); it != busy_.end()) it->second.heard = Clock::now();
          continue;
        }
        traffic_[name].bytes_in += static_cast<int64_t>(bytes.size());
        busy_.erase(from);
        idle_.push_back(from);
        if (m->type == MessageType::kError) {
          return Status::ModelFailed("rank " + std::to_string(from) + ", unit " + std::to_string(m->ticket) + " of " +
                                     name + ": " + m->error);
        }
        if (m->type != MessageType::kOutput || m->stage != name) {
          return Status::Corruption("rank " + std::to_string(from) + " answered with a message that is not an output of " + name);
        }
        traffic_[name].items_remote += m->items;
        if (trace_->on()) trace_->Line("collected", "ticket=" + std::to_string(m->ticket) + " from=" + std::to_string(from));
        return std::pair<uint64_t, std::any>(m->ticket, std::move(m->payload));
      }
      if (local_.valid() && local_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        Result<std::any> out = local_.get();
        PANIC_RETURN_IF_ERROR(out.status());
        if (trace_->on()) trace_->Line("collected", "ticket=" + std::to_string(local_ticket_) + " from=0");
        return std::pair<uint64_t, std::any>(local_ticket_, std::move(*out));
      }
      // A worker that holds a unit sends a heartbeat every second while it computes; one
      // silent for the limit is dead (or hung): the job cannot finish its unit.
      for (const auto& [rank, f] : busy_) {
        if (silent_limit_s_ > 0 && SecondsSince(f.heard) > silent_limit_s_) {
          return Broken(Status::IOError("rank " + std::to_string(rank) + " has sent nothing for " +
                                                 std::to_string(static_cast<int>(SecondsSince(f.heard))) +
                                                 " s (--mpi-timeout " + LimitText() + ")"));
        }
      }
      if (cancel_ && cancel_->load()) return Stopping();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  Status ReleaseModels() override {
    ++release_points_;
    if (local_registry_) local_registry_->ReleaseAll();  // rank 0 executed units itself
    local_registry_ = nullptr;
    Message release;
    release.type = MessageType::kRelease;
    PANIC_ASSIGN_OR_RETURN(std::string bytes, EncodeMessage(release));
    for (int to : loaded_) {
      PANIC_RETURN_IF_ERROR(Send(bytes, to));
      ++release_messages_;
    }
    if (trace_->on()) trace_->Line("release", "ranks=" + std::to_string(loaded_.size()));
    loaded_.clear();
    return Status::Ok();
  }

  // Tells every worker to stop and waits for each bye, dropping outputs still on the way.
  // After a dead rank: MPI_Abort instead (mpirun then ends every rank), as no bye will come.
  void Stop() {
    // Stopped by a signal (mpirun's SIGTERM when a rank died, or Ctrl-C) or a lost rank: no
    // bye will come from every rank, and MPI_Finalize would wait for the dead one; rank 0
    // has reported, so the job ends here.
    if (broken_ || stopping_ || (cancel_ && cancel_->load())) {
      std::fflush(nullptr);
      MPI_Abort(MPI_COMM_WORLD, 130);
      return;
    }
    Message stop;
    stop.type = MessageType::kStop;
    auto bytes = EncodeMessage(stop);
    if (!bytes.ok()) return;
    for (int r = 1; r < size_; ++r) {
      if (!SendBytes(*bytes, r).ok()) return;
    }
    int byes = 0;
    while (byes < size_ - 1) {
      MPI_Status probed;
      if (MPI_Probe(MPI_ANY_SOURCE, kTag, MPI_COMM_WORLD, &probed) != MPI_SUCCESS) return;
      auto got = ReceiveProbed(probed);
      if (!got.ok()) return;
      auto m = DecodeMessage(*got);
      if (m.ok() && m->type == MessageType::kBye) ++byes;
    }
  }

  std::map<std::string, StageTraffic> traffic_;
  int64_t release_points_ = 0;    // ReleaseModels calls
  int64_t release_messages_ = 0;  // release messages sent to workers

 private:
  // A unit on a worker.
  struct InFlight {
    uint64_t ticket = 0;
    std::string stage;
    Clock::time_point sent, heard;  // when it went out; the worker's last word since
  };

  std::string LimitText() const {
    std::ostringstream os;
    os << silent_limit_s_;
    return os.str();
  }

  // "; in flight: rank 1 unit 7 of runs (sent 3.2 s ago), rank 0 unit 8 of runs".
  std::string InFlightText() const {
    std::ostringstream os;
    const char* sep = "; units in flight, not committed (resume redoes them): ";
    for (const auto& [rank, f] : busy_) {
      os << sep << "rank " << rank << " unit " << f.ticket << " of " << f.stage << " (sent "
         << static_cast<int>(SecondsSince(f.sent)) << " s ago)";
      sep = ", ";
    }
    if (local_.valid()) os << sep << "rank 0 unit " << local_ticket_;
    return os.str();
  }

  // A send to a rank that takes nothing (dead or hung) breaks the job, as silence does.
  Status Send(const std::string& bytes, int to) {
    bool lost = false;
    Status sent = SendBytes(bytes, to, silent_limit_s_, &lost, cancel_);
    if (sent.code() == StatusCode::kCancelled) return Stopping();
    return lost ? Broken(std::move(sent)) : sent;
  }

  // Ctrl-C or mpirun's SIGTERM: stop waiting, say what was in flight.
  Status Stopping() {
    stopping_ = true;
    if (local_.valid()) local_.wait();  // it uses the stage and the context
    return Status::Cancelled(
        "the MPI job is being stopped (Ctrl-C, or SIGTERM: mpirun sends it to every rank when one rank dies; "
        "mpirun's own message names that rank)" + InFlightText());
  }

  // A dead rank: rank 0 reports it with the units in flight and ends (Cancelled: the CLI
  // prints the resume command and exits 130); the session then aborts the job.
  Status Broken(Status why) {
    broken_ = true;
    if (local_.valid()) local_.wait();  // it uses the stage and the context
    return Status::Cancelled("a worker rank is lost: " + why.message() + InFlightText() +
                             "; every committed unit is kept");
  }

  int size_;
  const engine::CancelFlag* cancel_;
  double silent_limit_s_;  // 0: no limit
  Trace* trace_;
  bool broken_ = false;
  bool stopping_ = false;  // cancelled: no bye will be waited for
  std::deque<int> idle_;                                  // workers without a unit
  std::map<int, InFlight> busy_;                          // workers with one
  std::future<Result<std::any>> local_;  // the unit rank 0 executes itself, if any
  uint64_t local_ticket_ = 0;
  // Who executed units since the last release point (and so may hold models): workers by
  // rank, rank 0 by the registry its units used.
  std::set<int> loaded_;
  models::ModelRegistry* local_registry_ = nullptr;
 public:
  ~Executor() override {
    if (local_.valid()) local_.wait();
  }
};

namespace {

// The job's size as its launcher says it before MPI_Init (Open MPI's mpirun, MPICH's
// Hydra and Slurm's PMI, MVAPICH); 0 when none says.
int LauncherSize() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"}) {
    if (const char* v = std::getenv(name)) return std::atoi(v);
  }
  return 0;
}

// A job whose ranks are all on this node (Open MPI says so before MPI_Init) talks through
// shared memory: unless the user chose the transport (OMPI_MCA_pml / OMPI_MCA_btl, which
// `mpirun --mca` also sets), take Open MPI's ob1 over shared memory (vader) rather than
// letting it probe UCX, whose start-up costs ≈ 0.2 s of every rank's MPI_Init on this VM
// (measured: 270–320 ms against 55–115 ms). Every rank sees the same sizes, so all
// choose alike. Jobs over several nodes keep Open MPI's own choice.
void PreferSharedMemoryOnOneNode() {
#ifdef OMPI_MAJOR_VERSION  // Open MPI's names; another MPI keeps its own choice
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  if (!size || !local || std::string(size) != local) return;
  if (std::getenv("OMPI_MCA_pml") || std::getenv("OMPI_MCA_btl")) return;
  setenv("OMPI_MCA_pml", "ob1", 0);
#if defined(OMPI_MAJOR_VERSION) && OMPI_MAJOR_VERSION >= 5
  setenv("OMPI_MCA_btl", "self,sm", 0);  // Open MPI 5 renamed vader to sm
#else
  setenv("OMPI_MCA_btl", "self,vader", 0);
#endif
#endif
}

}  // namespace

Result<std::unique_ptr<Session>> Session::Start(double silent_limit_s) {
  if (LauncherSize() == 1) {
    // One rank: nothing to spread. The stages run as without --mpi and MPI is not started
    // (MPI_Init and MPI_Finalize cost ≈ 0.3 s, which made -np 1 slower than one process).
    std::unique_ptr<Session> s(new Session());
    s->mpi_started_ = false;
    return s;
  }
  PreferSharedMemoryOnOneNode();
  const double init_start = Trace::NowMs();
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    return Status::IOError("--mpi: MPI_Init failed");
  }
  // Errors come back as codes (reported with the rank), not as an abort inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  std::unique_ptr<Session> s(new Session());
  s->silent_limit_s_ = silent_limit_s;
  MPI_Comm_rank(MPI_COMM_WORLD, &s->rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &s->size_);
  s->trace_ = std::make_unique<Trace>(s->rank_);
  if (s->trace_->on()) s->trace_->Line("mpi_init", "ms=" + std::to_string(Trace::NowMs() - init_start));
  // One GPU per rank by its rank on the node, unless the launcher chose already.
  if (!std::getenv("CUDA_VISIBLE_DEVICES")) {
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    int local = 0;
    MPI_Comm_rank(node, &local);
    MPI_Comm_free(&node);
    setenv("CUDA_VISIBLE_DEVICES", std::to_string(local).c_str(), 1);
  }
  return s;
}

Session::~Session() {
  if (!mpi_started_) return;
  if (rank_ == 0 && size_ > 1) {
    if (!executor_) executor_ = std::make_unique<Executor>(size_, nullptr, silent_limit_s_, trace_.get());
    executor_->Stop();
  }
  if (trace_ && trace_->on()) trace_->Line("finalize");
  MPI_Finalize();
}

engine::UnitExecutor* Session::executor(const engine::CancelFlag* cancel) {
  if (rank_ != 0 || !mpi_started_) return nullptr;
  if (!executor_) executor_ = std::make_unique<Executor>(size_, cancel, silent_limit_s_, trace_.get());
  return executor_.get();
}

Status Session::ServeWorker(models::ModelRegistry& registry) {
  auto stages = engine::StageRegistry::Default().Instantiate();
  std::atomic<int64_t> model_ns{0}, kernel_ns{0};
  int threads = 1;
  const Fault fault = FaultFor(rank_);
  int units = 0;
  while (true) {
    // Polled with a short sleep rather than MPI_Probe, which spins a core while it waits.
    MPI_Status probed;
    int flag = 0;
    while (!flag) {
      const int rc = MPI_Iprobe(0, kTag, MPI_COMM_WORLD, &flag, &probed);
      if (rc != MPI_SUCCESS) return MpiError(rc, "rank " + std::to_string(rank_) + " waiting for rank 0");
      if (!flag) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    PANIC_ASSIGN_OR_RETURN(std::string bytes, ReceiveProbed(probed));
    if (trace_->on()) trace_->Line("received", "bytes=" + std::to_string(bytes.size()));
    Message reply;
    auto m = DecodeMessage(bytes);
    if (!m.ok()) {
      reply.type = MessageType::kError;
      reply.error = m.status().ToString();
    } else if (m->type == MessageType::kStop) {
      reply.type = MessageType::kBye;
      PANIC_ASSIGN_OR_RETURN(std::string bye, EncodeMessage(reply));
      PANIC_RETURN_IF_ERROR(SendBytes(bye, 0));
      registry.ReleaseAll();
      return Status::Ok();
    } else if (m->type == MessageType::kRelease) {
      // A release point (the end of a network group): free this rank's models; no answer.
      registry.ReleaseAll();
      if (trace_->on()) trace_->Line("released");
      continue;
    } else if (m->type == MessageType::kHello) {
      threads = m->threads;
      Status applied = registry.ApplyExperimentOptions(m->options);
      if (applied.ok()) continue;
      reply.type = MessageType::kError;
      reply.error = applied.ToString();
    } else if (m->type == MessageType::kUnit) {
      if (++units == fault.after) std::raise(fault.signal);
      reply.ticket = m->ticket;
      engine::Stage* stage = nullptr;
      for (auto& s : stages) {
        if (s->info().name == m->stage) stage = s.get();
      }
      engine::ExecuteContext ctx{registry, threads, &model_ns, &kernel_ns};
      Result<std::any> out = Status::NotFound("stage " + m->stage);
      if (stage) {
        // Executed in a thread of its own: this thread (the only one that calls MPI) tells
        // rank 0 every second that the unit is still being worked on (a heartbeat).
        double cpu_ms = 0;
        auto running = std::async(std::launch::async, [&] {
          const double cpu = Trace::ThreadCpuMs();
          Result<std::any> executed = stage->Execute(m->payload, ctx);
          cpu_ms = Trace::ThreadCpuMs() - cpu;
          return executed;
        });
        Message busy;
        busy.type = MessageType::kBusy;
        busy.ticket = m->ticket;
        PANIC_ASSIGN_OR_RETURN(std::string beat, EncodeMessage(busy));
        while (running.wait_for(std::chrono::seconds(1)) != std::future_status::ready) {
          Status sent = SendBytes(beat, 0);
          if (!sent.ok()) {
            running.wait();
            return sent;
          }
        }
        out = running.get();
        if (trace_->on()) {
          trace_->Line("executed", "ticket=" + std::to_string(m->ticket) + " stage=" + m->stage +
                                       " cpu_ms=" + std::to_string(cpu_ms));
        }
      }
      if (out.ok()) {
        reply.type = MessageType::kOutput;
        reply.stage = m->stage;
        reply.payload = std::move(*out);
      } else {
        reply.type = MessageType::kError;
        reply.error = out.status().ToString();
      }
    } else {
      reply.type = MessageType::kError;
      reply.error = "rank " + std::to_string(rank_) + " got a message it does not take";
    }
    auto encoded = EncodeMessage(reply);
    if (!encoded.ok()) {
      Message err;
      err.type = MessageType::kError;
      err.ticket = reply.ticket;
      err.error = encoded.status().ToString();
      encoded = EncodeMessage(err);
      PANIC_RETURN_IF_ERROR(encoded.status());
    }
    PANIC_RETURN_IF_ERROR(SendBytes(*encoded, 0));
    if (trace_->on()) trace_->Line("replied", "ticket=" + std::to_string(reply.ticket) + " bytes=" + std::to_string(encoded->size()));
  }
}

const std::map<std::string, StageTraffic>& Session::traffic() const {
  static const std::map<std::string, StageTraffic> kNone;
  return executor_ ? executor_->traffic_ : kNone;
}

std::string Session::TrafficReport() const {
  std::ostringstream os;
  for (const auto& [stage, t] : traffic()) {
    os << "mpi " << stage << ": " << t.units_remote << " units on workers (" << t.items_remote << " items), "
       << t.units_local << " on rank 0; " << t.bytes_out << " bytes out, " << t.bytes_in << " bytes in";
    if (t.items_remote > 0) os << " (" << (t.bytes_out + t.bytes_in) / t.items_remote << " bytes per item)";
    os << "\n";
  }
  if (executor_ && executor_->release_points_ > 0) {
    // Each release point goes to every worker that executed units since the one before.
    os << "mpi releases: " << executor_->release_points_ << " release points, " << executor_->release_messages_
       << " release messages to workers\n";
  }
  return os.str();
}

#endif

}  // namespace panic::mpi
