// The diagrams stage's units (each task's vectors as one n × dim float32 blob, the kernel's
// options) and outputs (the NPZ bytes as stored) as MPI frames (stage_codecs.h).
#include <cmath>
#include <limits>

#include "panic/mpi/stage_codecs.h"

namespace panic::mpi::codec {

Status EncodeDiagramUnit(const engine::DiagramUnit& u, Frame& f, int64_t& items) {
  json tasks = json::array();
  for (const auto& t : u.tasks) {
    const size_t dim = t.vectors.empty() ? 0 : t.vectors.front().size();
    for (const auto& v : t.vectors) {
      if (v.size() != dim) {
        return Status::InvalidArgument("diagram of run " + t.run_id + ": vectors of different lengths cannot travel");
      }
    }
    tasks.push_back({t.run_id, t.model, t.provenance.point_count, t.provenance.last_sequence_number, t.vectors.size(), dim,
                     Add(f, PackRows(t.vectors, dim)), Opt(t.epsilon)});
  }
  const tda::RipsOptions& r = u.rips;
  f.header["tasks"] = std::move(tasks);
  f.header["large"] = u.large;
  f.header["memory_bytes"] = u.memory_bytes;
  f.header["rips"] = {{"maxdim", r.maxdim},
                      {"metric", r.metric == tda::Metric::kCosine ? "cosine" : "euclidean"},
                      {"threshold", std::isnan(r.threshold) ? json(nullptr) : json(r.threshold)},
                      {"threads", r.threads},
                      {"modulus", r.modulus},
                      {"memory_limit_bytes", r.memory_limit_bytes}};
  items = static_cast<int64_t>(u.tasks.size());
  return Status::Ok();
}

Status EncodeDiagramOutput(const engine::DiagramOutput& o, Frame& f, int64_t& items) {
  json list = json::array();
  for (const auto& d : o.diagrams) {
    const auto& r = d.record;
    list.push_back({r.id, r.run_id, r.embedding_model, r.diagram_data ? json(Add(f, *r.diagram_data)) : json(nullptr),
                    Opt(r.error), r.started_at, r.completed_at, Opt(r.point_count), Opt(r.last_sequence_number),
                    Opt(r.approximation_epsilon), d.provenance.point_count, d.provenance.last_sequence_number});
  }
  f.header["diagrams"] = std::move(list);
  items = static_cast<int64_t>(o.diagrams.size());
  return Status::Ok();
}

std::any DecodeDiagramUnit(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items) {
  engine::DiagramUnit u;
  u.large = Bool(At(h, "large"));
  u.memory_bytes = Unsigned(At(h, "memory_bytes"));
  const json& r = At(h, "rips");
  u.rips.maxdim = SmallInt(At(r, "maxdim"), 0, 3, "maxdim");
  const std::string metric = Str(At(r, "metric"));
  if (metric != "euclidean" && metric != "cosine") throw Malformed{"metric '" + metric + "'"};
  u.rips.metric = metric == "cosine" ? tda::Metric::kCosine : tda::Metric::kEuclidean;
  const json& threshold = At(r, "threshold");
  u.rips.threshold = threshold.is_null() ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(Num(threshold));
  u.rips.threads = SmallInt(At(r, "threads"), 1, 1024, "threads");
  u.rips.modulus = SmallInt(At(r, "modulus"), 2, 255, "modulus");
  u.rips.memory_limit_bytes = static_cast<size_t>(Unsigned(At(r, "memory_limit_bytes")));
  for (const auto& t : List(At(h, "tasks"))) {
    engine::DiagramTask task;
    task.run_id = Str(El(t, 0));
    task.model = Str(El(t, 1));
    task.provenance.point_count = Int(El(t, 2));
    task.provenance.last_sequence_number = Int(El(t, 3));
    const uint64_t n = Unsigned(El(t, 4)), dim = Unsigned(El(t, 5));
    const std::vector<float> flat = Floats(TakeBlob(f, El(t, 6), taken));
    // n × dim must be the blob's length; checked by division, so it cannot overflow.
    if (dim == 0 ? !flat.empty() || n != 0 : flat.size() % dim != 0 || flat.size() / dim != n) {
      throw Malformed{"task of run " + task.run_id + ": " + std::to_string(flat.size()) + " values are not " +
                      std::to_string(n) + " × " + std::to_string(dim)};
    }
    task.epsilon = OptNum(El(t, 7));
    if (task.epsilon && !(*task.epsilon > 0 && *task.epsilon <= 10)) {
      throw Malformed{"epsilon " + std::to_string(*task.epsilon) + " (0 < ε ≤ 10, or null: exact)"};
    }
    task.vectors.reserve(n);
    for (uint64_t i = 0; i < n; ++i) task.vectors.emplace_back(flat.begin() + i * dim, flat.begin() + (i + 1) * dim);
    u.tasks.push_back(std::move(task));
  }
  items = static_cast<int64_t>(u.tasks.size());
  return u;
}

std::any DecodeDiagramOutput(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items) {
  engine::DiagramOutput o;
  for (const auto& d : List(At(h, "diagrams"))) {
    store::DiagramWrite w;
    w.record.id = Str(El(d, 0));
    w.record.run_id = Str(El(d, 1));
    w.record.embedding_model = Str(El(d, 2));
    if (!El(d, 3).is_null()) w.record.diagram_data = TakeBlob(f, El(d, 3), taken);
    w.record.error = OptStr(El(d, 4));
    w.record.started_at = Str(El(d, 5));
    w.record.completed_at = Str(El(d, 6));
    w.record.point_count = OptInt(El(d, 7));
    w.record.last_sequence_number = OptInt(El(d, 8));
    w.record.approximation_epsilon = OptNum(El(d, 9));
    w.provenance.point_count = Int(El(d, 10));
    w.provenance.last_sequence_number = Int(El(d, 11));
    o.diagrams.push_back(std::move(w));
  }
  items = static_cast<int64_t>(o.diagrams.size());
  return o;
}

}  // namespace panic::mpi::codec
