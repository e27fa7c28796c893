// The tables of the stored persistence diagrams: their bars (diagrams), their entropy, and
// the distances between them — tidy_tables.h.
#include <set>

#include "panic/export/tidy_common.h"
#include "panic/store/diagrams_table.h"

namespace panic::exporting {

using namespace tidy;
using store::SqliteDb;

namespace {

struct StoredDiagram {
  std::string experiment_id;
  const RunInfo* run = nullptr;
  std::string model;
  store::DiagramWithEntropy diagram;
};

// The stored diagrams (with data) of the experiments under the wanted models, by
// experiment, run number, model. A failed diagram is skipped.
Status ForEachDiagram(SqliteDb& c, const std::vector<std::string>& experiments, const TidyOptions& o,
                      const std::function<Status(const StoredDiagram&)>& fn) {
  return ForEachExperimentRuns(c, experiments, [&](const ExperimentRuns& runs) -> Status {
    for (const auto& run : runs.runs) {
      PANIC_RETURN_IF_ERROR(CheckCancel(o));
      PANIC_ASSIGN_OR_RETURN(auto models, store::diagrams::Models(c, run.run.id));
      for (const auto& model : models) {
        if (!ModelWanted(o, model)) continue;
        PANIC_ASSIGN_OR_RETURN(auto record, store::diagrams::Get(c, run.run.id, model));
        if (!record.diagram_data) continue;
        PANIC_ASSIGN_OR_RETURN(auto decoded, store::DecodeStoredDiagram(record));
        PANIC_RETURN_IF_ERROR(fn({runs.experiment_id, &run, model, std::move(decoded)}));
      }
    }
    return Status::Ok();
  });
}

}  // namespace

Status WriteDistancesTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                           TableSink& sink) {
  if (o.homology_dimension < 0) {
    return Status::InvalidArgument("--dim: " + std::to_string(o.homology_dimension) + " must be ≥ 0");
  }
  PANIC_RETURN_IF_ERROR(sink.Begin("distances", {{"embedding_model", S}, {"homology_dimension", I}, {"metric", S},
                                                 {"experiment_id_a", S}, {"run_id_a", S}, {"experiment_id_b", S},
                                                 {"run_id_b", S}, {"distance", D}}));
  std::vector<std::pair<std::string, std::string>> who;  // (experiment, run) of each diagram
  std::vector<tda::Bars> bars;
  std::set<std::string> models;
  // The diagrams are read in one transaction; the matrix is computed after it ends.
  PANIC_RETURN_IF_ERROR(InRead(db, [&](SqliteDb& c) {
    return ForEachDiagram(c, experiments, o, [&](const StoredDiagram& d) -> Status {
      // A dimension the diagram was not computed in is not an empty one: refused, not 0.
      const size_t dims = d.diagram.diagram.num_dimensions();
      if (static_cast<size_t>(o.homology_dimension) >= dims) {
        return Status::InvalidArgument("--dim: " + std::to_string(o.homology_dimension) +
                                       " is not allowed (the " + d.model + " diagram of run " + d.run->run.id +
                                       " has dimensions 0.." + std::to_string(static_cast<long>(dims) - 1) + ")");
      }
      models.insert(d.model);
      who.push_back({d.experiment_id, d.run->run.id});
      bars.push_back(d.diagram.diagram.bars(static_cast<size_t>(o.homology_dimension)));
      return Status::Ok();
    });
  }));
  if (models.size() > 1) {
    std::string list;
    for (const auto& m : models) list += (list.empty() ? "" : ", ") + m;
    return Status::InvalidArgument("--model: the diagrams are of several embedding models (" + list +
                                   "); distances compare one model's diagrams");
  }
  analysis::DiagramDistanceOptions options = o.distance;
  options.threads = o.threads;
  options.cancel = o.cancel;
  PANIC_ASSIGN_OR_RETURN(auto matrix, analysis::ComputeDiagramDistanceMatrix(bars, options));
  const std::string metric = analysis::DiagramMetricName(options);
  for (size_t i = 0; i < matrix.n; ++i) {
    for (size_t j = i + 1; j < matrix.n; ++j) {
      PANIC_RETURN_IF_ERROR(sink.Add({*models.begin(), static_cast<int64_t>(o.homology_dimension), metric,
                                      who[i].first, who[i].second, who[j].first, who[j].second, matrix(i, j)}));
    }
  }
  return sink.End();
}

Status WriteDiagramsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                          TableSink& sink) {
  return WriteTable(db, sink, "diagrams",
                    {{"experiment_id", S}, {"run_id", S}, {"embedding_model", S}, {"network", S},
                     {"initial_prompt", S}, {"homology_dimension", I}, {"birth", D}, {"death", D},
                     {"persistence", D}},
                    [&](SqliteDb& c) {
                      return ForEachDiagram(c, experiments, o, [&](const StoredDiagram& d) -> Status {
                        for (size_t dim = 0; dim < d.diagram.diagram.num_dimensions(); ++dim) {
                          for (const auto& b : d.diagram.diagram.bars(dim)) {
                            PANIC_RETURN_IF_ERROR(sink.Add(
                                {d.experiment_id, d.run->run.id, d.model, d.run->network, d.run->run.initial_prompt,
                                 static_cast<int64_t>(dim), static_cast<double>(b.birth),
                                 static_cast<double>(b.death), static_cast<double>(b.Persistence())}));
                          }
                        }
                        return Status::Ok();
                      });
                    });
}

Status WriteEntropyTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                         TableSink& sink) {
  return WriteTable(db, sink, "entropy",
                    {{"experiment_id", S}, {"run_id", S}, {"embedding_model", S}, {"network", S},
                     {"initial_prompt", S}, {"homology_dimension", I}, {"entropy", D}},
                    [&](SqliteDb& c) {
                      return ForEachDiagram(c, experiments, o, [&](const StoredDiagram& d) -> Status {
                        for (size_t dim = 0; dim < d.diagram.entropy.size(); ++dim) {
                          PANIC_RETURN_IF_ERROR(sink.Add({d.experiment_id, d.run->run.id, d.model, d.run->network,
                                                          d.run->run.initial_prompt, static_cast<int64_t>(dim),
                                                          static_cast<double>(d.diagram.entropy[dim])}));
                        }
                        return Status::Ok();
                      });
                    });
}

}  // namespace panic::exporting
