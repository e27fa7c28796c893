#include "panic/export/tidy_common.h"

#include <algorithm>

#include "panic/store/analysis_tables.h"
#include "panic/store/experiments_table.h"
#include "panic/store/runs_table.h"

namespace panic::exporting::tidy {

Cell Opt(const std::optional<std::string>& s) { return s ? Cell(*s) : Cell(); }
Cell Opt(const std::optional<int64_t>& v) { return v ? Cell(*v) : Cell(); }
Cell Str(const std::string& s) { return s.empty() ? Cell() : Cell(s); }

std::string NetworkName(const std::vector<std::string>& network) {
  std::string out;
  for (const auto& m : network) out += (out.empty() ? "" : "→") + m;
  return out;
}

const RunInfo* ExperimentRuns::Find(const std::string& id) const {
  auto it = index.find(id);
  return it == index.end() ? nullptr : &runs[it->second];
}

Result<ExperimentRuns> LoadRuns(store::SqliteDb& c, const std::string& experiment_id) {
  ExperimentRuns out;
  out.experiment_id = experiment_id;
  PANIC_RETURN_IF_ERROR(store::experiments::Get(c, experiment_id).status());  // NotFound names it
  PANIC_ASSIGN_OR_RETURN(auto runs, store::runs::List(c, experiment_id));
  PANIC_ASSIGN_OR_RETURN(auto types, store::analysis_reads::ModelOutputTypes(c, experiment_id));
  for (auto& r : runs) {
    RunInfo info;
    info.network = NetworkName(r.network);
    for (const auto& m : r.network) {
      auto t = types.find(m);
      if (t == types.end()) continue;
      std::string& slot = t->second == store::OutputType::kImage ? info.image_model : info.text_model;
      if (slot.empty()) slot = m;
    }
    info.run = std::move(r);
    out.index[info.run.id] = out.runs.size();
    out.runs.push_back(std::move(info));
  }
  return out;
}

Status ForEachExperimentRuns(store::SqliteDb& c, const std::vector<std::string>& experiments,
                             const std::function<Status(const ExperimentRuns&)>& fn) {
  for (const auto& exp : experiments) {
    PANIC_ASSIGN_OR_RETURN(ExperimentRuns runs, LoadRuns(c, exp));
    PANIC_RETURN_IF_ERROR(fn(runs));
  }
  return Status::Ok();
}

Status CheckCancel(const TidyOptions& o) {
  return o.cancel && o.cancel->load() ? Status::Cancelled("interrupted") : Status::Ok();
}

bool ModelWanted(const TidyOptions& o, const std::string& model) { return !o.model || *o.model == model; }

void Note(const TidyOptions& o, const std::string& line) {
  if (o.notes && std::find(o.notes->begin(), o.notes->end(), line) == o.notes->end()) o.notes->push_back(line);
}

Status InRead(store::Database& db, const std::function<Status(store::SqliteDb&)>& fn) {
  return db.Read([&](store::SqliteDb& c) -> Status { return fn(c); });
}

Status WriteTable(store::Database& db, TableSink& sink, const std::string& name, const std::vector<Column>& columns,
                  const std::function<Status(store::SqliteDb&)>& fill) {
  PANIC_RETURN_IF_ERROR(sink.Begin(name, columns));
  PANIC_RETURN_IF_ERROR(InRead(db, fill));
  return sink.End();
}

}  // namespace panic::exporting::tidy

namespace panic::exporting {

Status CheckEmbeddingModel(store::Database& db, const std::vector<std::string>& experiments,
                           const std::optional<std::string>& model) {
  if (!model) return Status::Ok();
  std::vector<std::string> known;  // in the experiments' order, once each
  PANIC_RETURN_IF_ERROR(tidy::InRead(db, [&](store::SqliteDb& c) -> Status {
    for (const auto& exp : experiments) {
      PANIC_ASSIGN_OR_RETURN(auto e, store::experiments::Get(c, exp));
      for (const auto& m : e.embedding_models) {
        if (std::find(known.begin(), known.end(), m) == known.end()) known.push_back(m);
      }
    }
    return Status::Ok();
  }));
  if (std::find(known.begin(), known.end(), *model) != known.end()) return Status::Ok();
  std::string list;
  for (const auto& m : known) list += (list.empty() ? "" : ", ") + m;
  return Status::InvalidArgument("--model: '" + *model + "' is not allowed (an embedding model of the experiments: " +
                                 list + ")");
}

}  // namespace panic::exporting
