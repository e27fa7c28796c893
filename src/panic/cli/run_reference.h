// Resolving the run a user names on the command line:
//
//   <run id or unique prefix>    e.g. 019381f2-5c1e-7a40-8b9d-…, or enough characters of it
//   EXP#N                        run number N (as `run list` shows it, from 0) of experiment
//                                EXP, where EXP is an experiment id, a unique prefix or latest
//   latest                       the last run (highest number) of the latest experiment
//
// Run ids of one experiment share their first 16 characters (UUIDv7 time), so EXP#N is
// the practical short form: `latest#3`, `0193#12`.
#pragma once

#include <string>

#include "panic/core/status.h"
#include "panic/store/database.h"

namespace panic::cli {

// The full run id; NotFound / InvalidArgument (ambiguous prefix, bad number) naming the argument.
Result<std::string> ResolveRunReference(store::Database& db, const std::string& reference);

}  // namespace panic::cli
