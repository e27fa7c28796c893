#include "panic/cli/mpi_launch.h"

#include <ostream>

namespace panic::cli {

int MpiLaunch::Start(const ParsedArgs& args, Context& ctx) {
  if (!args.Has("mpi")) {
    // Given alone it would be ignored without a word.
    if (args.Has("mpi-timeout")) return ReportError(Status::InvalidArgument("--mpi-timeout applies only with --mpi"), ctx);
    return -1;
  }
  auto limit = args.GetDouble("mpi-timeout", kDefaultMpiTimeoutS);
  if (!limit.ok()) return ReportError(limit.status(), ctx);
  if (!(*limit == 0 || (*limit >= 1 && *limit <= 604800))) {
    return ReportError(args.NotAllowed("mpi-timeout", "seconds, 1..604800, or 0 for no limit"), ctx);
  }
  auto started = mpi::Session::Start(*limit);
  if (!started.ok()) return ReportError(started.status(), ctx);
  session_ = std::move(*started);
  if (session_->rank() == 0) return -1;
  Status served = session_->ServeWorker(models::ModelRegistry::Default());
  if (!served.ok()) return ReportError(served.WithContext("MPI rank " + std::to_string(session_->rank())), ctx);
  return kExitOk;
}

int MpiLaunch::Finish(int code, Context& ctx) {
  if (session_) {
    ctx.err << "mpi: " << session_->size() << " rank(s)";
    if (!session_->mpi_started()) ctx.err << "; no worker ranks: every stage ran in this process (MPI not started)";
    ctx.err << "\n" << session_->TrafficReport();
  }
  return code;
}

}  // namespace panic::cli
