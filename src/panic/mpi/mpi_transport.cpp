// Built only with MPI (the header includes mpi.h).
#ifdef PANIC_HAVE_MPI
#include "panic/mpi/mpi_transport.h"

#include <limits>
#include <thread>

namespace panic::mpi {

Status MpiError(int code, const std::string& what) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  return Status::IOError(what + ": " + std::string(text, static_cast<size_t>(len)));
}

Status SendBytes(const std::string& bytes, int to, double limit_s, bool* lost, const engine::CancelFlag* cancel) {
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

Result<std::string> ReceiveProbed(const MPI_Status& probed) {
  int count = 0;
  MPI_Get_count(&probed, MPI_BYTE, &count);
  if (count < 0) return Status::Corruption("an MPI message of unknown size from rank " + std::to_string(probed.MPI_SOURCE));
  std::string bytes(static_cast<size_t>(count), '\0');
  const int rc = MPI_Recv(bytes.data(), count, MPI_BYTE, probed.MPI_SOURCE, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  if (rc != MPI_SUCCESS) return MpiError(rc, "receiving from rank " + std::to_string(probed.MPI_SOURCE));
  return bytes;
}

}  // namespace panic::mpi

#endif
