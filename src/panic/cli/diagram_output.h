// The one JSON shape and the one text layout of a persistence diagram, for `tda ph` and
// `run diagram` alike (the NPZ form is the store's: store/npz_codec.h).
//
// JSON (JSON has no infinity: an essential bar's death is null):
//   {"dimensions": [{"dim": 0, "bars": [[0, 0.5], [0, null]], "entropy": 0.69}, ...]}
// Text: per dimension a header line, then one bar a line, death "inf" for an essential bar:
//   # H0: 2 bars, entropy 0.693147181
//   0 0 0.5
//   0 0 inf
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "panic/tda/diagram.h"
#include "panic/engine/json_shapes.h"

namespace panic::cli {

// {"dimensions": [...]}; callers add their own fields (points, run_id, ...).
using engine::DiagramJson;  // engine/json_shapes.h: shared with the dashboard's API
std::string DiagramText(const tda::Diagram& diagram, const std::vector<float>& entropy);

// A float as text: %.9g (round-trips a float32), "inf" / "-inf" for infinities.
std::string FormatValue(double v);

}  // namespace panic::cli
