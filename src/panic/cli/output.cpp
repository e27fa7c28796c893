#include "panic/cli/output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ostream>

#include "panic/core/atomic_file.h"

namespace panic::cli {

Status WriteCommandOutput(Context& ctx, const std::string& bytes, bool binary, const std::string& format,
                          const std::optional<std::string>& output_path) {
  if (output_path) return WriteFileAtomically(*output_path, bytes).WithContext("--output");
  if (binary && ctx.stdout_is_tty) {
    return Status::InvalidArgument("--format " + format +
                                   " is binary and standard output is a terminal: give --output FILE or redirect "
                                   "standard output to a file or a pipe");
  }
  ctx.out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return Status::Ok();
}

Status FlushStandardOutput(Context& ctx) {
  errno = 0;
  ctx.out.flush();
  bool failed = ctx.out.fail();
  int err = errno;
  // std::cout writes through C's stdout buffer (sync_with_stdio): flush that too.
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    failed = true;
    if (errno != 0) err = errno;
  }
  if (!failed) return Status::Ok();
  return Status::IOError(std::string("cannot write to standard output: ") +
                         (err != 0 ? std::strerror(err) : "a write failed"));
}

std::string Count(int64_t n, const std::string& singular, const std::string& plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural.empty() ? singular + "s" : plural);
}

}  // namespace panic::cli
