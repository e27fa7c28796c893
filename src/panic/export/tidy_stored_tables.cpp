// The tables of rows as stored (experiments, runs, invocations, embeddings) and the
// invocation durations per model — tidy_tables.h.
#include <limits>
#include <nlohmann/json.hpp>

#include "panic/analysis/run_statistics.h"
#include "panic/core/time.h"
#include "panic/export/tidy_common.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"

namespace panic::exporting {

using namespace tidy;
using store::SqliteDb;

namespace {

// fn(experiment id, invocation) for every invocation of the experiments, in their order.
Status ForEachInvocationOf(SqliteDb& c, const std::vector<std::string>& experiments,
                           const std::function<Status(const std::string&, const store::InvocationRecord&)>& fn) {
  for (const auto& exp : experiments) {
    PANIC_RETURN_IF_ERROR(store::analysis_reads::ForEachInvocation(
        c, exp, [&](const store::InvocationRecord& i) { return fn(exp, i); }));
  }
  return Status::Ok();
}

}  // namespace

Status WriteExperimentsTable(store::Database& db, const std::vector<std::string>& experiments, TableSink& sink) {
  return WriteTable(db, sink, "experiments",
                    {{"experiment_id", S}, {"networks", S}, {"seeds", S}, {"prompts", S}, {"embedding_models", S},
                     {"max_length", I}, {"options", S}, {"started_at", S}, {"completed_at", S}, {"created_at", S},
                     {"updated_at", S}},
                    [&](SqliteDb& c) -> Status {
                      for (const auto& exp : experiments) {
                        PANIC_ASSIGN_OR_RETURN(auto e, store::experiments::Get(c, exp));
                        PANIC_RETURN_IF_ERROR(sink.Add(
                            {e.id, nlohmann::json(e.networks).dump(), nlohmann::json(e.seeds).dump(),
                             nlohmann::json(e.prompts).dump(), nlohmann::json(e.embedding_models).dump(),
                             e.max_length, e.options_json, Opt(e.started_at), Opt(e.completed_at), e.created_at,
                             e.updated_at}));
                      }
                      return Status::Ok();
                    });
}

Status WriteRunsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions&,
                      TableSink& sink) {
  return WriteTable(
      db, sink, "runs",
      {{"experiment_id", S}, {"run_id", S}, {"run_number", I}, {"network", S}, {"image_model", S},
       {"text_model", S}, {"initial_prompt", S}, {"seed", I}, {"max_length", I}, {"length", I},
       {"stop_reason", S}, {"loop_length", I}, {"error", S}, {"completed_at", S}},
      [&](SqliteDb& c) {
        return ForEachExperimentRuns(c, experiments, [&](const ExperimentRuns& runs) -> Status {
          PANIC_ASSIGN_OR_RETURN(auto lengths, store::invocations::CountsByRun(c, runs.experiment_id));
          for (const auto& r : runs.runs) {
            auto n = lengths.find(r.run.id);
            PANIC_RETURN_IF_ERROR(sink.Add({runs.experiment_id, r.run.id, r.run.run_number, r.network,
                                            Str(r.image_model), Str(r.text_model), r.run.initial_prompt, r.run.seed,
                                            r.run.max_length, n == lengths.end() ? int64_t{0} : n->second,
                                            Opt(r.run.stop_reason), Opt(r.run.loop_length), Opt(r.run.error),
                                            Opt(r.run.completed_at)}));
          }
          return Status::Ok();
        });
      });
}

Status WriteInvocationsTable(store::Database& db, const std::vector<std::string>& experiments, TableSink& sink) {
  return WriteTable(
      db, sink, "invocations",
      {{"invocation_id", S}, {"experiment_id", S}, {"run_id", S}, {"sequence_number", I}, {"model", S},
       {"type", S}, {"seed", I}, {"input_invocation_id", S}, {"output_text", S}, {"started_at", S},
       {"completed_at", S}, {"batch_size", I}, {"batch_position", I}},
      [&](SqliteDb& c) {
        return ForEachInvocationOf(c, experiments, [&](const std::string& exp, const store::InvocationRecord& i) {
          const bool text = i.type == store::OutputType::kText;
          return sink.Add({i.id, exp, i.run_id, i.sequence_number, i.model, std::string(text ? "text" : "image"),
                           i.seed, Opt(i.input_invocation_id), text ? Cell(i.output_text) : Cell(), i.started_at,
                           i.completed_at, Opt(i.batch_size), Opt(i.batch_position)});
        });
      });
}

Status WriteEmbeddingsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                            TableSink& sink) {
  // One row reused from embedding to embedding: assigning a cell of the same kind reuses
  // its string or vector buffer, so the scan allocates nothing per row.
  Row row(7);
  return WriteTable(db, sink, "embeddings",
                    {{"embedding_id", S}, {"experiment_id", S}, {"run_id", S}, {"invocation_id", S},
                     {"sequence_number", I}, {"embedding_model", S}, {"vector", F}},
                    [&](SqliteDb& c) -> Status {
                      for (const auto& exp : experiments) {
                        row[1] = exp;
                        PANIC_RETURN_IF_ERROR(store::analysis_reads::ForEachEmbedding(
                            c, exp, o.model, [&](const store::TrajectoryPoint& p) {
                              row[0] = p.embedding_id;
                              row[2] = p.run_id;
                              row[3] = p.invocation_id;
                              row[4] = p.sequence_number;
                              row[5] = p.embedding_model;
                              row[6] = p.vector;
                              return sink.Add(row);
                            }));
                      }
                      return Status::Ok();
                    });
}

Status WriteDurationsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                           TableSink& sink) {
  PANIC_RETURN_IF_ERROR(sink.Begin("durations", {{"model", S}, {"invocations", I}, {"missing", I}, {"mean_s", D},
                                                 {"median_s", D}, {"p95_s", D}, {"min_s", D}, {"max_s", D},
                                                 {"total_s", D}}));
  std::vector<analysis::InvocationTiming> timings;
  PANIC_RETURN_IF_ERROR(InRead(db, [&](SqliteDb& c) {
    return ForEachInvocationOf(c, experiments, [&](const std::string&, const store::InvocationRecord& i) {
      auto a = ParseIsoMicros(i.started_at), b = ParseIsoMicros(i.completed_at);
      // Invocations of one batch share their times: each gets the batch's duration.
      const double s = a.ok() && b.ok() ? (*b - *a) / 1e6 : std::numeric_limits<double>::quiet_NaN();
      timings.push_back({i.model, s});
      return CheckCancel(o);
    });
  }));
  for (const auto& d : analysis::SummarizeDurations(timings)) {
    PANIC_RETURN_IF_ERROR(sink.Add({d.model, static_cast<int64_t>(d.seconds.count + d.missing),
                                    static_cast<int64_t>(d.missing), d.seconds.mean, d.seconds.median, d.seconds.p95,
                                    d.seconds.min, d.seconds.max, d.seconds.total}));
  }
  return sink.End();
}

}  // namespace panic::exporting
