// The report's "Clusters" section (issue 14): the newest stored clustering result covering
// the experiment, its largest clusters with their medoid captions, shares and run counts,
// and an example image per cluster (the image a text medoid describes, or an image medoid).
#pragma once

#include <string>

#include "panic/core/status.h"
#include "panic/store/database.h"

namespace panic::exporting {

// HTML (escaped) for the section body, without its heading; a note when no result covers
// the experiment.
Result<std::string> ClusterSectionHtml(store::Database& db, const std::string& experiment_id);

}  // namespace panic::exporting
