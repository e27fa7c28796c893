// The worker ranks' side of `--mpi` (docs/MPI.md): Session::ServeWorker takes the
// experiment's options once (hello), then units, which it executes in a thread of its own
// while its MPI thread sends rank 0 a heartbeat every second; it answers each with the
// output (or the error), releases its models when told, and ends at stop with bye.
#include "panic/mpi/mpi_session.h"

#ifdef PANIC_HAVE_MPI

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

#include "panic/engine/stage.h"
#include "panic/engine/stage_registry.h"
#include "panic/mpi/mpi_trace.h"
#include "panic/mpi/mpi_transport.h"
#include "panic/mpi/rank_memory.h"
#include "panic/mpi/unit_traits.h"
#include "panic/mpi/work_codec.h"

namespace panic::mpi {
namespace {

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

}  // namespace

Status Session::ServeWorker(models::ModelRegistry& registry) {
  auto stages = engine::StageRegistry::Default().Instantiate();
  std::atomic<int64_t> model_ns{0}, kernel_ns{0};
  int threads = 1;
  const Fault fault = FaultFor(rank_);
  int units = 0;
  uint64_t memory = 0;  // what this rank last measured it can use (rank_memory.h)
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
      // Answered with the memory this rank can use (rank 0 places diagrams units by it).
      threads = m->threads;
      Status applied = registry.ApplyExperimentOptions(m->options);
      Result<uint64_t> room = RankMemory(rank_, ranks_on_node_);
      if (!room.ok()) applied = room.status();
      if (applied.ok()) {
        memory = *room;
        reply.type = MessageType::kMemory;
        if (trace_->on()) trace_->Line("memory", "bytes=" + std::to_string(memory));
      } else {
        reply.type = MessageType::kError;
        reply.error = applied.ToString();
      }
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
        // Measured again after the unit: what the next one placed here may use.
        if (auto room = RankMemory(rank_, ranks_on_node_); room.ok()) memory = *room;
        if (trace_->on()) {
          trace_->Line("executed", "ticket=" + std::to_string(m->ticket) + " stage=" + m->stage +
                                       " cpu_ms=" + std::to_string(cpu_ms));
          // A group's release unit releases this rank's models (RunsStage::Run).
          if (IsReleaseUnit(m->stage, m->payload) && !KeepsModels(m->stage, m->payload)) trace_->Line("released", "by=unit");
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
    reply.memory = memory;
    auto encoded = EncodeMessage(reply);
    if (!encoded.ok()) {
      Message err;
      err.type = MessageType::kError;
      err.ticket = reply.ticket;
      err.error = encoded.status().ToString();
      err.memory = memory;
      encoded = EncodeMessage(err);
      PANIC_RETURN_IF_ERROR(encoded.status());
    }
    PANIC_RETURN_IF_ERROR(SendBytes(*encoded, 0));
    if (trace_->on()) trace_->Line("replied", "ticket=" + std::to_string(reply.ticket) + " bytes=" + std::to_string(encoded->size()));
  }
}

}  // namespace panic::mpi

#endif
