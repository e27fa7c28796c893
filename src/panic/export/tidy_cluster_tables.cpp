// The tables of a clustering result: transitions, the Markov chain, run lengths, and every
// cluster label (clusters) — tidy_tables.h.
#include <algorithm>
#include <map>
#include <set>
#include <span>

#include "panic/analysis/markov_chain.h"
#include "panic/export/tidy_common.h"
#include "panic/store/analysis_tables.h"

namespace panic::exporting {

using namespace tidy;
using store::SqliteDb;

namespace {

// The label sequences of a clustering result, grouped per network, restricted to the given
// experiments (all of the clustering's when empty).
struct LabelledRun {
  std::string experiment_id;
  const RunInfo* run = nullptr;
  std::vector<int64_t> labels;
  std::vector<int64_t> sequence;  // the step of each label
};
struct ClusteringData {
  store::analysis_reads::ClusteringInfo info;
  std::map<std::string, ExperimentRuns> experiments;
  std::vector<LabelledRun> runs;  // by experiment, run number
};

Result<ClusteringData> LoadClustering(SqliteDb& c, const std::vector<std::string>& experiments, const TidyOptions& o) {
  if (o.clustering_id.empty()) return Status::InvalidArgument("--clustering: a clustering result is needed");
  ClusteringData out;
  PANIC_ASSIGN_OR_RETURN(out.info, store::analysis_reads::GetClustering(c, o.clustering_id));
  if (o.model && *o.model != out.info.embedding_model) {
    return Status::InvalidArgument("--model " + *o.model + ": clustering result " + out.info.id + " is of " +
                                   out.info.embedding_model);
  }
  PANIC_ASSIGN_OR_RETURN(auto labels, store::analysis_reads::ListLabels(c, out.info.id));
  const std::set<std::string> wanted(experiments.begin(), experiments.end());
  for (const auto& l : labels) {
    if (!wanted.empty() && !wanted.count(l.experiment_id)) continue;
    auto e = out.experiments.find(l.experiment_id);
    if (e == out.experiments.end()) {
      PANIC_ASSIGN_OR_RETURN(ExperimentRuns runs, LoadRuns(c, l.experiment_id));
      e = out.experiments.emplace(l.experiment_id, std::move(runs)).first;
    }
    if (out.runs.empty() || out.runs.back().run->run.id != l.run_id) {
      out.runs.push_back({l.experiment_id, e->second.Find(l.run_id), {}, {}});
      if (!out.runs.back().run) return Status::Internal("run " + l.run_id + " not found");
    }
    out.runs.back().labels.push_back(l.cluster_label);
    out.runs.back().sequence.push_back(l.sequence_number);
  }
  if (!wanted.empty() && out.runs.empty()) {
    Note(o, "clustering result " + out.info.id + " has no labels for the experiments given");
  }
  return out;
}

// network → its runs' label sequences.
std::map<std::string, std::vector<analysis::LabelSequence>> ByNetwork(const ClusteringData& d) {
  std::map<std::string, std::vector<analysis::LabelSequence>> out;
  for (const auto& r : d.runs) out[r.run->network].push_back(r.labels);
  return out;
}

}  // namespace

Status WriteTransitionsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                             TableSink& sink) {
  return WriteTable(
      db, sink, "transitions",
      {{"clustering_result_id", S}, {"embedding_model", S}, {"network", S}, {"from_cluster", I}, {"to_cluster", I},
       {"count", I}, {"probability", D}},
      [&](SqliteDb& c) -> Status {
        PANIC_ASSIGN_OR_RETURN(ClusteringData d, LoadClustering(c, experiments, o));
        for (const auto& [network, seqs] : ByNetwork(d)) {
          auto bigrams = analysis::CountBigrams(std::span<const analysis::LabelSequence>(seqs), o.outliers,
                                                o.self_transitions);
          std::map<int64_t, uint64_t> exits;
          for (const auto& b : bigrams) exits[b.from] += b.count;
          for (const auto& b : bigrams) {
            PANIC_RETURN_IF_ERROR(sink.Add({d.info.id, d.info.embedding_model, network, b.from, b.to,
                                            static_cast<int64_t>(b.count),
                                            static_cast<double>(b.count) / static_cast<double>(exits[b.from])}));
          }
        }
        return Status::Ok();
      });
}

Status WriteChainTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                       TableSink& sink) {
  return WriteTable(
      db, sink, "chain",
      {{"clustering_result_id", S}, {"embedding_model", S}, {"network", S}, {"cluster_label", I}, {"visits", I},
       {"initial", D}, {"stationary", D}, {"absorbing", I}, {"transient", I}, {"closed_class", I},
       {"closed_class_period", I}, {"stationary_unique", I}, {"second_eigenvalue_modulus", D}, {"spectral_gap", D},
       {"relaxation_time", D}, {"implied_timescale", D}, {"runs", I}, {"share_returned", D}},
      [&](SqliteDb& c) -> Status {
        PANIC_ASSIGN_OR_RETURN(ClusteringData d, LoadClustering(c, experiments, o));
        for (const auto& [network, seqs] : ByNetwork(d)) {
          analysis::ChainOptions co;
          co.outliers = o.outliers;
          co.self_transitions = o.self_transitions;
          PANIC_ASSIGN_OR_RETURN(analysis::MarkovChain m,
                                 analysis::EstimateMarkovChain(std::span<const analysis::LabelSequence>(seqs), co));
          auto returns =
              analysis::SummarizeInitialReturns(std::span<const analysis::LabelSequence>(seqs), o.outliers);
          for (size_t i = 0; i < m.size(); ++i) {
            const int64_t label = m.states[i];
            Cell klass, period;
            for (size_t k = 0; k < m.closed_classes.size(); ++k) {
              const auto& members = m.closed_classes[k].labels;
              if (std::find(members.begin(), members.end(), label) != members.end()) {
                klass = static_cast<int64_t>(k);
                period = static_cast<int64_t>(m.closed_classes[k].period);
              }
            }
            auto in = [&](const std::vector<int64_t>& v) {
              return static_cast<int64_t>(std::find(v.begin(), v.end(), label) != v.end());
            };
            PANIC_RETURN_IF_ERROR(sink.Add({d.info.id, d.info.embedding_model, network, label,
                                            static_cast<int64_t>(m.visits[i]), m.initial[i], m.stationary[i],
                                            in(m.absorbing_states), in(m.transient_states), klass, period,
                                            static_cast<int64_t>(m.stationary_unique), m.second_eigenvalue_modulus,
                                            m.spectral_gap, m.relaxation_time, m.implied_timescale,
                                            static_cast<int64_t>(returns.runs), returns.share_returned}));
          }
        }
        return Status::Ok();
      });
}

Status WriteRunLengthsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                            TableSink& sink) {
  return WriteTable(db, sink, "runlengths",
                    {{"clustering_result_id", S}, {"experiment_id", S}, {"run_id", S}, {"embedding_model", S},
                     {"network", S}, {"initial_prompt", S}, {"cluster_label", I}, {"start_sequence_number", I},
                     {"run_length", I}},
                    [&](SqliteDb& c) -> Status {
                      PANIC_ASSIGN_OR_RETURN(ClusteringData d, LoadClustering(c, experiments, o));
                      for (const auto& r : d.runs) {
                        for (const auto& lr : analysis::RunLengths(r.labels, o.outliers)) {
                          PANIC_RETURN_IF_ERROR(sink.Add({d.info.id, r.experiment_id, r.run->run.id,
                                                          d.info.embedding_model, r.run->network,
                                                          r.run->run.initial_prompt, lr.label, r.sequence[lr.start],
                                                          static_cast<int64_t>(lr.length)}));
                        }
                      }
                      return Status::Ok();
                    });
}

Status WriteClustersTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                          TableSink& sink) {
  const std::set<std::string> wanted(experiments.begin(), experiments.end());
  return WriteTable(db, sink, "clusters",
                    {{"clustering_result_id", S}, {"algorithm", S}, {"embedding_model", S}, {"experiment_id", S},
                     {"run_id", S}, {"embedding_id", S}, {"sequence_number", I}, {"cluster_label", I}},
                    [&](SqliteDb& c) -> Status {
                      PANIC_ASSIGN_OR_RETURN(auto ids, store::analysis_reads::ClusteringsOf(c, experiments));
                      for (const auto& id : ids) {
                        PANIC_ASSIGN_OR_RETURN(auto info, store::analysis_reads::GetClustering(c, id));
                        if (!ModelWanted(o, info.embedding_model)) continue;
                        PANIC_ASSIGN_OR_RETURN(auto labels, store::analysis_reads::ListLabels(c, id));
                        for (const auto& l : labels) {
                          if (!wanted.count(l.experiment_id)) continue;
                          PANIC_RETURN_IF_ERROR(sink.Add({info.id, info.algorithm, info.embedding_model,
                                                          l.experiment_id, l.run_id, l.embedding_id,
                                                          l.sequence_number, l.cluster_label}));
                        }
                      }
                      return Status::Ok();
                    });
}

}  // namespace panic::exporting
