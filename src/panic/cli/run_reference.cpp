#include "panic/cli/run_reference.h"

#include <charconv>

#include "panic/store/experiments_table.h"
#include "panic/store/runs_table.h"

namespace panic::cli {

Result<std::string> ResolveRunReference(store::Database& db, const std::string& reference) {
  const size_t hash = reference.find('#');
  if (hash == std::string::npos && reference != "latest") return store::runs::ResolveId(db.connection(), reference);
  const std::string experiment = hash == std::string::npos ? reference : reference.substr(0, hash);
  PANIC_ASSIGN_OR_RETURN(std::string experiment_id, store::experiments::ResolveId(db.connection(), experiment));
  PANIC_ASSIGN_OR_RETURN(auto runs, store::runs::List(db.connection(), experiment_id));
  if (runs.empty()) return Status::NotFound("experiment " + experiment_id + " has no runs");
  if (hash == std::string::npos) return runs.back().id;  // runs::List orders by run number
  const std::string number = reference.substr(hash + 1);
  int64_t n = -1;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size() || n < 0) {
    return Status::InvalidArgument("run '" + reference + "': '" + number +
                                   "' is not a run number (EXP#N takes N from 0, as `run list` shows it)");
  }
  for (const auto& r : runs) {
    if (r.run_number == n) return r.id;
  }
  return Status::NotFound("run '" + reference + "': experiment " + experiment_id + " has runs #0..#" +
                          std::to_string(runs.back().run_number));
}

}  // namespace panic::cli
