// `export grid --cluster RESULT:LABEL` (issue 14, "export grid: the images of a selection
// (… a cluster's members)"): the members of one cluster of a stored clustering result in an
// aspect-aware grid (image_export.h's RenderTileGrid).
//
// Which image shows a member:
//   - an image output (the result clustered image embeddings): that image;
//   - a text output (a caption): the image it was made from — its input invocation — so the
//     grid shows what the captions of the cluster describe; the caption is written beneath.
//     A caption whose input is not an image (a text → text step) has no image and is left
//     out (counted in ClusterGridSummary::without_image).
// The medoid comes first (marked "medoid"); the other members follow by experiment, run and
// step, evenly chosen when there are more than `max_images`.
//
// Thread safety: uses its Database from the calling thread only.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "panic/core/status.h"
#include "panic/store/database.h"

namespace panic::exporting {

struct ClusterGridSummary {
  std::string result_id;
  int64_t label = 0;
  int64_t members = 0;        // all members of the cluster
  int64_t with_image = 0;     // of those, with an image to show
  int64_t without_image = 0;  // captions made from text
  int64_t shown = 0;          // tiles drawn (≤ max_images)
};

// `result` is a clustering result id, unique prefix or "latest"; `label` a cluster label of
// it or −1 for its outliers. NotFound for an unknown result; InvalidArgument (naming --cluster,
// the value and the labels allowed) for a label the result does not have, or when no member
// has an image; InvalidArgument for max_images outside 1..4096; Cancelled as RenderTileGrid.
Result<ClusterGridSummary> RenderClusterGrid(store::Database& db, const std::string& result, int64_t label,
                                             int max_images, const std::string& output,
                                             const std::atomic<bool>* cancel = nullptr);

}  // namespace panic::exporting
