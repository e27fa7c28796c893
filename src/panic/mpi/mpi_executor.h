// Rank 0's side of `--mpi` (docs/MPI.md): the engine's UnitExecutor that hands units to
// the worker ranks (or takes one itself in a thread when every worker is busy), each to a
// rank whose reported memory holds it (placement.h; a unit none holds waits, one no rank
// could ever hold fails with a message: unit_traits.h), collects
// their outputs, tells them to release their models at a release point, finds a lost rank
// by its silence, and at the end stops them. All its MPI calls are on the pipeline's
// thread (MPI_THREAD_FUNNELED). Only built with MPI (PANIC_HAVE_MPI).
#pragma once

#include <cstdio>
#include <deque>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "panic/engine/stage.h"
#include "panic/mpi/mpi_session.h"
#include "panic/mpi/mpi_trace.h"
#include "panic/mpi/mpi_transport.h"
#include "panic/mpi/placement.h"
#include "panic/mpi/rank_memory.h"
#include "panic/mpi/unit_traits.h"
#include "panic/mpi/work_codec.h"

namespace panic::mpi {

class Session::Executor : public engine::UnitExecutor {
 public:
  Executor(int size, int ranks_on_node, const engine::CancelFlag* cancel, double silent_limit_s, Trace* trace)
      : size_(size), ranks_on_node_(ranks_on_node), cancel_(cancel), silent_limit_s_(silent_limit_s), trace_(trace),
        placement_(size, size < kRankZeroComputesBelow) {}

  Status Begin(const nlohmann::json& options, int threads) override {
    Message hello;
    hello.type = MessageType::kHello;
    hello.options = options;
    hello.threads = threads;
    PANIC_ASSIGN_OR_RETURN(std::string bytes, EncodeMessage(hello));
    for (int r = 1; r < size_; ++r) PANIC_RETURN_IF_ERROR(Send(bytes, r));
    PANIC_ASSIGN_OR_RETURN(uint64_t own, RankMemory(0, ranks_on_node_));
    placement_.SetMemory(0, own);
    if (trace_->on()) trace_->Line("memory", "rank=0 bytes=" + std::to_string(own));
    // Each worker answers hello with the memory it can use (or the error it met).
    std::set<int> unheard;
    for (int r = 1; r < size_; ++r) unheard.insert(r);
    const auto start = Clock::now();
    while (!unheard.empty()) {
      int flag = 0;
      MPI_Status probed;
      const int rc = MPI_Iprobe(MPI_ANY_SOURCE, kTag, MPI_COMM_WORLD, &flag, &probed);
      if (rc != MPI_SUCCESS) return Broken(MpiError(rc, "waiting for the workers' memory"));
      if (!flag) {
        if (cancel_ && cancel_->load()) return Stopping();
        if (silent_limit_s_ > 0 && SecondsSince(start) > silent_limit_s_) {
          return Broken(Status::IOError("rank " + std::to_string(*unheard.begin()) + " has not answered for " +
                                        std::to_string(static_cast<int>(SecondsSince(start))) + " s (--mpi-timeout " +
                                        LimitText() + ")"));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      auto received = ReceiveProbed(probed);
      if (!received.ok()) return Broken(received.status());
      const int from = probed.MPI_SOURCE;
      auto m = DecodeMessage(*received);
      if (!m.ok()) return m.status().WithContext("from rank " + std::to_string(from));
      if (m->type == MessageType::kError) return Status::InvalidArgument("rank " + std::to_string(from) + ": " + m->error);
      if (m->type != MessageType::kMemory) continue;
      placement_.SetMemory(from, m->memory);
      unheard.erase(from);
      if (trace_->on()) trace_->Line("memory", "rank=" + std::to_string(from) + " bytes=" + std::to_string(m->memory));
    }
    return Status::Ok();
  }

  size_t Capacity(const engine::Stage& stage) override {
    // The workers, and rank 0 when it computes (placement.h, kRankZeroComputesBelow).
    if (!IsShippedStage(stage.info().name)) return 0;
    return static_cast<size_t>(size_ < kRankZeroComputesBelow ? size_ : size_ - 1);
  }

  // The unit waits for a rank (placement.h) and goes out at once when one holds it.
  Status Submit(engine::Stage& stage, uint64_t ticket, std::any unit, engine::ExecuteContext& ctx) override {
    const uint64_t need = UnitMemory(stage.info().name, unit);
    pending_[ticket] = Pending{&stage, &ctx, std::move(unit)};
    const std::any& u = pending_[ticket].unit;
    placement_.Add(ticket, need, UnitGroup(stage.info().name, u), IsReleaseUnit(stage.info().name, u));
    return Dispatch(false);
  }

  // Hands waiting units to the ranks that hold them; fails those that no rank can hold.
  // `may_switch`: a rank holding another group may take a group's unit (placement.h); it
  // releases its models first. Only when the pipeline waits for outputs (Collect), so that
  // a rank whose own chunk's next step is about to be submitted does not leave its group.
  Status Dispatch(bool may_switch) {
    for (const Placement::Assignment& a : placement_.Assign(may_switch)) {
      auto it = pending_.find(a.ticket);
      Pending p = std::move(it->second);
      pending_.erase(it);
      const std::string& name = p.stage->info().name;
      if (a.switched_from != 0) PANIC_RETURN_IF_ERROR(Switch(a.rank, a.switched_from, UnitGroup(name, p.unit)));
      // A group's release unit on a rank that does not hold the group (every rank that
      // ran it switched away): that rank keeps the models it holds.
      if (IsReleaseUnit(name, p.unit) && a.held != UnitGroup(name, p.unit)) KeepModels(p.unit);
      PANIC_RETURN_IF_ERROR(a.rank == 0 ? StartLocal(*p.stage, a.ticket, std::move(p.unit), *p.ctx)
                                        : SendUnit(*p.stage, a.ticket, std::move(p.unit), a.rank));
    }
    for (uint64_t ticket : placement_.TakeUnplaceable()) {
      auto it = pending_.find(ticket);
      const std::string& name = it->second.stage->info().name;
      PANIC_ASSIGN_OR_RETURN(std::any out, RefusedOutput(name, it->second.unit, placement_.LargestMemory()));
      if (trace_->on()) {
        trace_->Line("refused", "ticket=" + std::to_string(ticket) + " memory=" +
                                    std::to_string(UnitMemory(name, it->second.unit)) +
                                    " largest=" + std::to_string(placement_.LargestMemory()));
      }
      ++traffic_[name].units_refused;
      refused_.emplace_back(ticket, std::move(out));
      pending_.erase(it);
    }
    if (trace_->on() && placement_.waiting() > 0) trace_->Line("waiting", "units=" + std::to_string(placement_.waiting()));
    return Status::Ok();
  }

  // Rank 0's own slot: a thread of its own, so that this thread keeps receiving and handing
  // out units meanwhile (MPI calls stay on this thread).
  Status StartLocal(engine::Stage& stage, uint64_t ticket, std::any unit, engine::ExecuteContext& ctx) {
    if (local_.valid()) return Status::Internal("mpi: rank 0 was given a unit while it computes one");
    local_ticket_ = ticket;
    local_registry_ = &ctx.registry;
    Track(0, stage.info().name, unit);
    ++traffic_[stage.info().name].units_local;
    if (trace_->on()) {
      trace_->Line("submit", "ticket=" + std::to_string(ticket) + " to=0 memory=" +
                                 std::to_string(UnitMemory(stage.info().name, unit)) +
                                 " group=" + std::to_string(UnitGroup(stage.info().name, unit)) +
                                 (IsReleaseUnit(stage.info().name, unit) ? " release=1" : "") +
                                 (KeepsModels(stage.info().name, unit) ? " keep=1" : ""));
    }
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

  Status SendUnit(engine::Stage& stage, uint64_t ticket, std::any unit, int to) {
    Message m;
    m.type = MessageType::kUnit;
    m.ticket = ticket;
    m.stage = stage.info().name;
    const uint64_t need = UnitMemory(m.stage, unit);
    const uint64_t group = UnitGroup(m.stage, unit);
    const bool release_unit = IsReleaseUnit(m.stage, unit);
    Track(to, m.stage, unit);
    m.payload = std::move(unit);
    const double encode_start = Trace::NowMs();
    PANIC_ASSIGN_OR_RETURN(std::string bytes, EncodeMessage(m));
    if (trace_->on()) {
      trace_->Line("submit", "ticket=" + std::to_string(ticket) + " to=" + std::to_string(to) +
                                 " memory=" + std::to_string(need) + " room=" + std::to_string(placement_.memory(to)) +
                                 " group=" + std::to_string(group) +
                                 " bytes=" + std::to_string(bytes.size()) +
                                 " encode_ms=" + std::to_string(Trace::NowMs() - encode_start) +
                                 (release_unit ? " release=1" : "") + (KeepsModels(m.stage, m.payload) ? " keep=1" : ""));
    }
    StageTraffic& t = traffic_[m.stage];
    t.bytes_out += static_cast<int64_t>(bytes.size());
    ++t.units_remote;
    busy_[to] = InFlight{ticket, m.stage, Clock::now(), Clock::now()};
    Status sent = Send(bytes, to);
    if (trace_->on()) trace_->Line("sent", "ticket=" + std::to_string(ticket) + " to=" + std::to_string(to));
    return sent;
  }

  Result<std::pair<uint64_t, std::any>> Collect(engine::Stage& stage, engine::ExecuteContext&) override {
    const std::string& name = stage.info().name;
    if (trace_->on()) trace_->Line("collect");
    // Every unit that could be submitted was: a free rank may now switch groups.
    PANIC_RETURN_IF_ERROR(Dispatch(true));
    while (true) {
      if (!refused_.empty()) {
        std::pair<uint64_t, std::any> done = std::move(refused_.front());
        refused_.pop_front();
        return done;
      }
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
        if (m->type == MessageType::kBusy || m->type == MessageType::kMemory) {
          if (auto it = busy_.find(from); it != busy_.end()) it->second.heard = Clock::now();
          continue;
        }
        traffic_[name].bytes_in += static_cast<int64_t>(bytes.size());
        busy_.erase(from);
        // The freed rank, with the memory it reports now, takes a waiting unit before this
        // output is committed (the pipeline reads and commits meanwhile).
        placement_.SetMemory(from, m->memory);
        placement_.Free(from);
        if (m->type == MessageType::kError) {
          return Status::ModelFailed("rank " + std::to_string(from) + ", unit " + std::to_string(m->ticket) + " of " +
                                     name + ": " + m->error);
        }
        if (m->type != MessageType::kOutput || m->stage != name) {
          return Status::Corruption("rank " + std::to_string(from) + " answered with a message that is not an output of " + name);
        }
        traffic_[name].items_remote += m->items;
        if (trace_->on()) trace_->Line("collected", "ticket=" + std::to_string(m->ticket) + " from=" + std::to_string(from));
        PANIC_RETURN_IF_ERROR(Dispatch(false));
        return std::pair<uint64_t, std::any>(m->ticket, std::move(m->payload));
      }
      if (local_.valid() && local_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        Result<std::any> out = local_.get();
        PANIC_RETURN_IF_ERROR(out.status());
        if (trace_->on()) trace_->Line("collected", "ticket=" + std::to_string(local_ticket_) + " from=0");
        if (auto own = RankMemory(0, ranks_on_node_); own.ok()) placement_.SetMemory(0, *own);
        placement_.Free(0);
        PANIC_RETURN_IF_ERROR(Dispatch(false));
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

  // The group whose release unit was committed is released on every rank that ran its
  // units since that rank last released, i.e. that still holds it: a rank that switched to
  // another group released it then (a backend releases all its models at once, so the
  // other group's models would go too). Ranks that do not hold the group keep their models.
  Status ReleaseModels() override {
    ++release_points_;
    Message release;
    release.type = MessageType::kRelease;
    PANIC_ASSIGN_OR_RETURN(std::string bytes, EncodeMessage(release));
    int ranks = 0;
    for (int r = 0; r < size_; ++r) {
      auto& ran = ran_[r];
      const bool holds = releasing_ != 0 ? ran.count(releasing_) > 0 : !ran.empty() || !models_[r].empty();
      if (!holds) continue;
      if (r == 0) {
        if (local_registry_) local_registry_->ReleaseAll();  // rank 0 executed units itself
      } else {
        PANIC_RETURN_IF_ERROR(Send(bytes, r));
        ++release_messages_;
      }
      Released(r, releasing_);
      ++ranks;
    }
    if (trace_->on()) trace_->Line("release", "group=" + std::to_string(releasing_) + " ranks=" + std::to_string(ranks));
    releasing_ = 0;
    return Status::Ok();
  }

  // Per rank, the model loads rank 0 caused by placing units there (a rank loads a model
  // on its first unit that calls it after its last release).
  const std::map<int, int64_t>& model_loads() const { return loads_; }

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
  int64_t switches_ = 0;          // ranks that released one group to take another's unit
  int64_t switch_bytes_ = 0;      // the release messages of those switches (workers)

 private:
  // A unit handed to Submit that has no rank yet.
  struct Pending {
    engine::Stage* stage = nullptr;
    engine::ExecuteContext* ctx = nullptr;
    std::any unit;
  };
  // A unit on a worker.
  struct InFlight {
    uint64_t ticket = 0;
    std::string stage;
    Clock::time_point sent, heard;  // when it went out; the worker's last word since
  };

  // What placing `unit` on `rank` does to what the rank holds: a group's release unit
  // releases every model of the rank that executes it; any other unit loads the models it
  // calls that the rank does not hold (counted, and traced as `load`).
  void Track(int rank, const std::string& stage, const std::any& unit) {
    if (IsReleaseUnit(stage, unit)) {
      releasing_ = UnitGroup(stage, unit);
      if (!KeepsModels(stage, unit)) Released(rank, releasing_);
      return;
    }
    if (const uint64_t group = UnitGroup(stage, unit); group != 0) ran_[rank].insert(group);
    for (const std::string& model : UnitModels(stage, unit)) {
      if (!models_[rank].insert(model).second) continue;
      ++loads_[rank];
      if (trace_->on()) trace_->Line("load", "rank=" + std::to_string(rank) + " model=" + model);
    }
  }
  // `rank` released its models, for the end of `group` (0: not a group's).
  void Released(int rank, uint64_t group) {
    Forget(rank, group);
    placement_.Released(rank);
  }
  // What `rank` held is gone; traced as `drop rank=R group=G` (the group released).
  void Forget(int rank, uint64_t group) {
    ran_[rank].clear();
    models_[rank].clear();
    if (trace_->on()) trace_->Line("drop", "rank=" + std::to_string(rank) + " group=" + std::to_string(group));
  }
  // `rank` (free) takes a unit of group `to` while holding group `from`: it releases its
  // models first, so that one rank (one GPU) never holds two groups' models, and `from`'s
  // release no longer concerns it. A worker gets a release message before the unit (MPI
  // keeps the order of one sender's messages to one rank); rank 0 releases its registry.
  Status Switch(int rank, uint64_t from, uint64_t to) {
    int64_t bytes = 0;
    if (rank == 0) {
      if (local_registry_) local_registry_->ReleaseAll();
    } else {
      Message release;
      release.type = MessageType::kRelease;
      PANIC_ASSIGN_OR_RETURN(std::string encoded, EncodeMessage(release));
      PANIC_RETURN_IF_ERROR(Send(encoded, rank));
      bytes = static_cast<int64_t>(encoded.size());
      switch_bytes_ += bytes;
    }
    ++switches_;
    if (trace_->on()) {
      trace_->Line("switch", "rank=" + std::to_string(rank) + " from=" + std::to_string(from) + " to=" +
                                 std::to_string(to) + " bytes=" + std::to_string(bytes));
    }
    Forget(rank, from);
    return Status::Ok();
  }

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
    if (!pending_.empty()) os << "; " << pending_.size() << " unit(s) waiting for a rank with the memory";
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
  int ranks_on_node_;  // rank 0's node: its measured memory is divided among them
  const engine::CancelFlag* cancel_;
  double silent_limit_s_;  // 0: no limit
  Trace* trace_;
  bool broken_ = false;
  bool stopping_ = false;  // cancelled: no bye will be waited for
  Placement placement_;                                   // who is free, with how much memory
  std::map<uint64_t, Pending> pending_;                   // units without a rank yet
  std::deque<std::pair<uint64_t, std::any>> refused_;     // outputs of units no rank can hold
  std::map<int, InFlight> busy_;                          // workers with a unit
  std::future<Result<std::any>> local_;  // the unit rank 0 executes itself, if any
  uint64_t local_ticket_ = 0;
  // Per rank, since it last released its models: the groups it ran, the models it holds
  // (as placed: rank 0's own releases outside units, e.g. the embeddings stage's end, are
  // not seen), and the model loads counted; rank 0's registry, once it executed a unit.
  std::map<int, std::set<uint64_t>> ran_;
  std::map<int, std::set<std::string>> models_;
  std::map<int, int64_t> loads_;
  uint64_t releasing_ = 0;  // the group of the release unit last placed
  models::ModelRegistry* local_registry_ = nullptr;
 public:
  ~Executor() override {
    if (local_.valid()) local_.wait();
  }
};

}  // namespace panic::mpi
