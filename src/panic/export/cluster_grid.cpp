#include "panic/export/cluster_grid.h"

#include <algorithm>
#include <vector>

#include "panic/export/image_export.h"
#include "panic/store/cluster_members.h"
#include "panic/store/clustering_table.h"
#include "panic/store/invocations_table.h"

namespace panic::exporting {
namespace {

// The allowed labels of a result, for messages: "0..44 or -1 (outliers)" when contiguous.
std::string AllowedLabels(const std::vector<store::clustering::ClusterSummary>& clusters) {
  std::vector<int64_t> labels;
  for (const auto& c : clusters) labels.push_back(c.label);
  std::sort(labels.begin(), labels.end());
  std::string out;
  if (labels.empty()) {
    out = "no clusters";
  } else if (labels.back() - labels.front() + 1 == static_cast<int64_t>(labels.size())) {
    out = std::to_string(labels.front()) + ".." + std::to_string(labels.back());
  } else {
    for (int64_t l : labels) out += (out.empty() ? "" : ", ") + std::to_string(l);
  }
  return out + ", or -1 for the outliers";
}

}  // namespace

Result<ClusterGridSummary> RenderClusterGrid(store::Database& db, const std::string& result, int64_t label,
                                             int max_images, const std::string& output,
                                             const std::atomic<bool>* cancel) {
  if (max_images < 1 || max_images > 4096) {
    return Status::InvalidArgument("--max-images " + std::to_string(max_images) + " is not in 1..4096");
  }
  ClusterGridSummary summary;
  summary.label = label;
  std::vector<GridTile> tiles;
  std::string title;
  PANIC_RETURN_IF_ERROR(db.Read([&](store::SqliteDb& c) -> Status {
    PANIC_ASSIGN_OR_RETURN(summary.result_id, store::clustering::ResolveId(c, result));
    PANIC_ASSIGN_OR_RETURN(auto record, store::clustering::Get(c, summary.result_id));
    PANIC_ASSIGN_OR_RETURN(auto clusters, store::clustering::Clusters(c, summary.result_id, -1));
    const bool known = label == -1 || std::any_of(clusters.begin(), clusters.end(),
                                                  [&](const auto& s) { return s.label == label; });
    if (!known) {
      return Status::InvalidArgument("--cluster: " + std::to_string(label) + " is not a cluster of result " +
                                     summary.result_id + " (allowed: " + AllowedLabels(clusters) + ")");
    }
    PANIC_ASSIGN_OR_RETURN(auto members, store::clustering::Members(c, summary.result_id, label));
    summary.members = static_cast<int64_t>(members.size());
    // Each member with the image that shows it; the medoid first.
    struct Candidate {
      const store::clustering::ClusterMember* member;
      std::string image;
    };
    std::vector<Candidate> candidates;
    for (const auto& m : members) {
      if (m.type == store::OutputType::kImage) {
        candidates.push_back({&m, m.invocation_id});
      } else if (m.input_invocation_id) {
        PANIC_ASSIGN_OR_RETURN(auto input, store::invocations::Get(c, *m.input_invocation_id));
        if (input.type == store::OutputType::kImage) candidates.push_back({&m, input.id});
      }
    }
    std::stable_partition(candidates.begin(), candidates.end(), [](const Candidate& x) { return x.member->is_medoid; });
    summary.with_image = static_cast<int64_t>(candidates.size());
    summary.without_image = summary.members - summary.with_image;
    if (candidates.empty()) {
      return Status::InvalidArgument("--cluster: cluster " + std::to_string(label) + " of result " + summary.result_id +
                                     " has " + std::to_string(summary.members) +
                                     " members and none has an image to show (captions made from text)");
    }
    for (size_t k : EvenlyChosen(candidates.size(), static_cast<size_t>(max_images))) {
      const auto& [m, image] = candidates[k];
      std::string tile_label = (m->is_medoid ? "medoid · run " : "run ") + std::to_string(m->run_number) + " · step " +
                               std::to_string(m->sequence_number);
      tiles.push_back({image, tile_label, m->type == store::OutputType::kText ? m->output_text : ""});
    }
    summary.shown = static_cast<int64_t>(tiles.size());
    title = (label < 0 ? "outliers" : "cluster " + std::to_string(label)) + " of clustering " +
            summary.result_id.substr(0, 8) + "  ·  " + record.embedding_model + "  ·  " +
            std::to_string(summary.members) + " members" +
            (summary.shown < summary.members ? ", " + std::to_string(summary.shown) + " shown" : "");
    return Status::Ok();
  }));
  PANIC_RETURN_IF_ERROR(RenderTileGrid(db, title, tiles, output, cancel));
  return summary;
}

}  // namespace panic::exporting
