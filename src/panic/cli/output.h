// Writing a command's output: the one rule for binary formats, checked writes, and counted
// nouns.
#pragma once

#include <string>

#include "panic/cli/command.h"
#include "panic/core/status.h"

namespace panic::cli {

// Writes `bytes` to `output_path` when given, else to standard output. Binary formats
// (NPY, NPZ) are refused when standard output is a terminal and no --output is given
// (InvalidArgument naming `format`); into a pipe or a file they are written. A failed
// write is an IOError naming the file.
Status WriteCommandOutput(Context& ctx, const std::string& bytes, bool binary, const std::string& format,
                          const std::optional<std::string>& output_path);

// Flushes standard output and reports whether everything written reached it: an IOError
// ("cannot write to standard output: No space left on device") when a write failed, e.g.
// into /dev/full or a closed descriptor. Main calls it after every command.
Status FlushStandardOutput(Context& ctx);

// "1 run", "3 runs", "0 vectors".
std::string Count(int64_t n, const std::string& singular, const std::string& plural = "");

}  // namespace panic::cli
