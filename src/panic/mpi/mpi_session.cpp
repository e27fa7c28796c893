#include "panic/mpi/mpi_session.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <future>
#include <sstream>
#include <thread>
#include <vector>

#include "panic/engine/stage.h"
#include "panic/engine/stage_registry.h"
#include "panic/mpi/work_codec.h"

#ifdef PANIC_HAVE_MPI
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace panic::mpi {

#ifndef PANIC_HAVE_MPI

class Session::Executor {};
Result<std::unique_ptr<Session>> Session::Start() {
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

Status SendBytes(const std::string& bytes, int to) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Status::InvalidArgument("an MPI message of " + std::to_string(bytes.size()) + " bytes (at most 2 GiB)");
  }
  const int rc = MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, kTag, MPI_COMM_WORLD);
  if (rc != MPI_SUCCESS) return MpiError(rc, "sending to rank " + std::to_string(to));
  return Status::Ok();
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
int FaultAfter(int rank) {
  const char* spec = std::getenv("PANIC_TDA_MPI_FAULT");
  if (!spec) return -1;
  int r = -1, n = -1;
  if (std::sscanf(spec, "%d:%d", &r, &n) != 2 || r != rank) return -1;
  return n;
}

}  // namespace

class Session::Executor : public engine::UnitExecutor {
 public:
  Executor(int size, const engine::CancelFlag* cancel) : size_(size), cancel_(cancel) {
    for (int r = 1; r < size; ++r) idle_.push_back(r);
  }

  Status Begin(const nlohmann::json& options, int threads) override {
    Message hello;
    hello.type = MessageType::kHello;
    hello.options = options;
    hello.threads = threads;
    PANIC_ASSIGN_OR_RETURN(std::string bytes, EncodeMessage(hello));
    for (int r = 1; r < size_; ++r) PANIC_RETURN_IF_ERROR(SendBytes(bytes, r));
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
      ++traffic_[stage.info().name].units_local;
      local_ = std::async(std::launch::async, [&stage, &ctx, u = std::move(unit)]() { return stage.Execute(u, ctx); });
      return Status::Ok();
    }
    Message m;
    m.type = MessageType::kUnit;
    m.ticket = ticket;
    m.stage = stage.info().name;
    m.payload = std::move(unit);
    PANIC_ASSIGN_OR_RETURN(std::string bytes, EncodeMessage(m));
    const int to = idle_.front();
    idle_.pop_front();
    StageTraffic& t = traffic_[m.stage];
    t.bytes_out += static_cast<int64_t>(bytes.size());
    ++t.units_remote;
    return SendBytes(bytes, to);
  }

  Result<std::pair<uint64_t, std::any>> Collect(engine::Stage& stage, engine::ExecuteContext&) override {
    const std::string& name = stage.info().name;
    while (true) {
      int flag = 0;
      MPI_Status probed;
      MPI_Iprobe(MPI_ANY_SOURCE, kTag, MPI_COMM_WORLD, &flag, &probed);
      if (flag) {
        PANIC_ASSIGN_OR_RETURN(std::string bytes, ReceiveProbed(probed));
        const int from = probed.MPI_SOURCE;
        idle_.push_back(from);
        traffic_[name].bytes_in += static_cast<int64_t>(bytes.size());
        auto m = DecodeMessage(bytes);
        if (!m.ok()) return m.status().WithContext("from rank " + std::to_string(from));
        if (m->type == MessageType::kError) {
          return Status::ModelFailed("rank " + std::to_string(from) + ", unit " + std::to_string(m->ticket) + " of " +
                                     name + ": " + m->error);
        }
        if (m->type != MessageType::kOutput || m->stage != name) {
          return Status::Corruption("rank " + std::to_string(from) + " answered with a message that is not an output of " + name);
        }
        traffic_[name].items_remote += m->items;
        return std::pair<uint64_t, std::any>(m->ticket, std::move(m->payload));
      }
      if (local_.valid() && local_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        Result<std::any> out = local_.get();
        PANIC_RETURN_IF_ERROR(out.status());
        return std::pair<uint64_t, std::any>(local_ticket_, std::move(*out));
      }
      if (cancel_ && cancel_->load()) {
        if (local_.valid()) local_.wait();  // it uses the stage and the context
        return Status::Cancelled(
            "the MPI job is being stopped (Ctrl-C, or SIGTERM: mpirun sends it to every rank when one rank dies; "
            "mpirun's own message names that rank)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  // Tells every worker to stop and waits for each bye, dropping outputs still on the way.
  void Stop() {
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

 private:
  int size_;
  const engine::CancelFlag* cancel_;
  std::deque<int> idle_;                                  // workers without a unit
  std::future<Result<std::any>> local_;  // the unit rank 0 executes itself, if any
  uint64_t local_ticket_ = 0;
 public:
  ~Executor() override {
    if (local_.valid()) local_.wait();
  }
};

Result<std::unique_ptr<Session>> Session::Start() {
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    return Status::IOError("--mpi: MPI_Init failed");
  }
  // Errors come back as codes (reported with the rank), not as an abort inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  std::unique_ptr<Session> s(new Session());
  MPI_Comm_rank(MPI_COMM_WORLD, &s->rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &s->size_);
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
  if (rank_ == 0 && size_ > 1) {
    if (!executor_) executor_ = std::make_unique<Executor>(size_, nullptr);
    executor_->Stop();
  }
  MPI_Finalize();
}

engine::UnitExecutor* Session::executor(const engine::CancelFlag* cancel) {
  if (rank_ != 0) return nullptr;
  if (!executor_) executor_ = std::make_unique<Executor>(size_, cancel);
  return executor_.get();
}

Status Session::ServeWorker(models::ModelRegistry& registry) {
  auto stages = engine::StageRegistry::Default().Instantiate();
  std::atomic<int64_t> model_ns{0}, kernel_ns{0};
  int threads = 1;
  const int fault_after = FaultAfter(rank_);
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
    } else if (m->type == MessageType::kHello) {
      threads = m->threads;
      Status applied = registry.ApplyExperimentOptions(m->options);
      if (applied.ok()) continue;
      reply.type = MessageType::kError;
      reply.error = applied.ToString();
    } else if (m->type == MessageType::kUnit) {
      if (++units == fault_after) std::raise(SIGKILL);
      reply.ticket = m->ticket;
      engine::Stage* stage = nullptr;
      for (auto& s : stages) {
        if (s->info().name == m->stage) stage = s.get();
      }
      engine::ExecuteContext ctx{registry, threads, &model_ns, &kernel_ns};
      auto out = stage ? stage->Execute(m->payload, ctx) : Result<std::any>(Status::NotFound("stage " + m->stage));
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
  return os.str();
}

#endif

}  // namespace panic::mpi
