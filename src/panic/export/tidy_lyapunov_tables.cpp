// The lyapunov tables (the stored divergence results, and their curves in long form) —
// tidy_tables.h.
#include "panic/export/tidy_common.h"
#include "panic/store/analysis_tables.h"

namespace panic::exporting {

using namespace tidy;
using store::SqliteDb;

namespace {

// fn(a run of the result's network or nullptr, result) for each stored result of the
// experiments under the wanted models, in one read transaction.
Status ForEachLyapunov(SqliteDb& c, const std::vector<std::string>& experiments, const TidyOptions& o,
                       const std::function<Status(const RunInfo*, const store::LyapunovRecord&)>& fn) {
  return ForEachExperimentRuns(c, experiments, [&](const ExperimentRuns& runs) -> Status {
    PANIC_ASSIGN_OR_RETURN(auto results, store::lyapunov::List(c, runs.experiment_id));
    for (const auto& r : results) {
      if (!ModelWanted(o, r.embedding_model)) continue;
      const RunInfo* any = nullptr;  // a run of the network, for its image and text model
      for (const auto& run : runs.runs) {
        if (run.run.network == r.network) any = &run;
      }
      PANIC_RETURN_IF_ERROR(fn(any, r));
    }
    return Status::Ok();
  });
}

}  // namespace

Status WriteLyapunovTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                          TableSink& sink) {
  return WriteTable(
      db, sink, "lyapunov",
      {{"experiment_id", S}, {"network", S}, {"image_model", S}, {"text_model", S}, {"initial_prompt", S},
       {"other_prompt", S}, {"embedding_model", S}, {"num_runs", I}, {"num_pairs", I}, {"num_timesteps", I},
       {"exponent", D}, {"intercept", D}, {"r_squared", D}, {"bounded_status", S}, {"d_inf", D}, {"d0", D},
       {"tau", D}, {"bounded_r_squared", D}},
      [&](SqliteDb& c) {
        return ForEachLyapunov(c, experiments, o, [&](const RunInfo* run, const store::LyapunovRecord& r) {
          return sink.Add({r.experiment_id, NetworkName(r.network), run ? Str(run->image_model) : Cell(),
                           run ? Str(run->text_model) : Cell(), r.initial_prompt, Str(r.other_prompt),
                           r.embedding_model, r.num_runs, r.num_pairs, r.num_timesteps, r.exponent, r.intercept,
                           r.r_squared, r.bounded_status, r.d_inf, r.d0, r.tau, r.bounded_r_squared});
        });
      });
}

Status WriteLyapunovCurveTable(store::Database& db, const std::vector<std::string>& experiments,
                               const TidyOptions& o, TableSink& sink) {
  return WriteTable(db, sink, "lyapunov_curves",
                    {{"experiment_id", S}, {"network", S}, {"initial_prompt", S}, {"other_prompt", S},
                     {"embedding_model", S}, {"timestep", I}, {"divergence", D}},
                    [&](SqliteDb& c) {
                      return ForEachLyapunov(c, experiments, o, [&](const RunInfo*, const store::LyapunovRecord& r) {
                        for (size_t t = 0; t < r.curve.size(); ++t) {
                          PANIC_RETURN_IF_ERROR(sink.Add({r.experiment_id, NetworkName(r.network), r.initial_prompt,
                                                          Str(r.other_prompt), r.embedding_model,
                                                          static_cast<int64_t>(t), r.curve[t]}));
                        }
                        return Status::Ok();
                      });
                    });
}

}  // namespace panic::exporting
