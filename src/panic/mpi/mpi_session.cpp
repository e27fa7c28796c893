#include "panic/mpi/mpi_session.h"

#include <cstdlib>
#include <sstream>

#include "panic/mpi/mpi_trace.h"
#include "panic/mpi/rank_memory.h"

#ifdef PANIC_HAVE_MPI
#include "panic/mpi/mpi_executor.h"
#include "panic/mpi/mpi_transport.h"
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
  PANIC_RETURN_IF_ERROR(CheckRankMemoryOverride());  // before anything is opened
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
  // The ranks of this node: they share its memory (rank_memory.h), and each takes one GPU
  // by its rank on the node, unless the launcher chose already.
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int local = 0;
  MPI_Comm_rank(node, &local);
  MPI_Comm_size(node, &s->ranks_on_node_);
  MPI_Comm_free(&node);
  if (!std::getenv("CUDA_VISIBLE_DEVICES")) setenv("CUDA_VISIBLE_DEVICES", std::to_string(local).c_str(), 1);
  return s;
}

Session::~Session() {
  if (!mpi_started_) return;
  if (rank_ == 0 && size_ > 1) {
    if (!executor_) executor_ = std::make_unique<Executor>(size_, ranks_on_node_, nullptr, silent_limit_s_, trace_.get());
    executor_->Stop();
  }
  if (trace_ && trace_->on()) trace_->Line("finalize");
  MPI_Finalize();
}

engine::UnitExecutor* Session::executor(const engine::CancelFlag* cancel) {
  if (rank_ != 0 || !mpi_started_) return nullptr;
  if (!executor_) executor_ = std::make_unique<Executor>(size_, ranks_on_node_, cancel, silent_limit_s_, trace_.get());
  return executor_.get();
}


const std::map<std::string, StageTraffic>& Session::traffic() const {
  static const std::map<std::string, StageTraffic> kNone;
  return executor_ ? executor_->traffic_ : kNone;
}

std::string Session::TrafficReport() const {
  std::ostringstream os;
  for (const auto& [stage, t] : traffic()) {
    os << "mpi " << stage << ": " << t.units_remote << " units on workers (" << t.items_remote << " items), "
       << t.units_local << " on rank 0; ";
    if (t.units_refused > 0) os << t.units_refused << " refused (no rank had the memory); ";
    os << t.bytes_out << " bytes out, " << t.bytes_in << " bytes in";
    if (t.items_remote > 0) os << " (" << (t.bytes_out + t.bytes_in) / t.items_remote << " bytes per item)";
    os << "\n";
  }
  if (executor_ && !executor_->model_loads().empty()) {
    // Models each rank loaded (first use after its last release), as rank 0 placed units.
    os << "mpi model loads:";
    int64_t total = 0;
    const char* sep = " ";
    for (const auto& [rank, n] : executor_->model_loads()) {
      os << sep << "rank " << rank << " " << n;
      sep = ", ";
      total += n;
    }
    os << " (" << total << " in all)\n";
  }
  if (executor_ && executor_->release_points_ > 0) {
    // Each release point goes to every worker that still holds its group; a rank that takes
    // another group's unit (a switch) is released before it.
    os << "mpi releases: " << executor_->release_points_ << " release points, " << executor_->release_messages_
       << " release messages to workers, " << executor_->switches_ << " group switches ("
       << executor_->switch_bytes_ << " bytes of release messages)\n";
  }
  return os.str();
}

#endif

}  // namespace panic::mpi
