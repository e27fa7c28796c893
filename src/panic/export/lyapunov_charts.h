// The divergence ("Lyapunov") charts of issue 14, drawn from the stored results of the
// `lyapunov` stage (store/analysis_tables.h, docs/ANALYSIS.md §2, §7):
//   lyapunov_divergence  the curves d(t) — mean pairwise distance on the unit sphere of the
//                        runs' t-th embedded outputs — of each prompt's runs, a panel per
//                        (embedding model, network), a colour per prompt, with each curve's
//                        log-linear fit e^(a + λt) dashed;
//   lyapunov_ftle        a prompt × prompt heat map of the finite-time Lyapunov exponent λ
//                        per (embedding model, network): the diagonal from a prompt's own
//                        runs, the cell (p, q) = (q, p) from the cross-prompt result of p's
//                        runs against q's; a diverging blue–white–vermillion scale centred on
//                        0 and shared by the panels, the value written in cells wide enough.
// Charting several experiments gives each experiment its own panels (results are per
// experiment). Without stored results both are listed as skipped, saying how to make them.
//
// Thread safety: uses its Database from the calling thread only.
#pragma once

#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/export/drawing_file.h"
#include "panic/export/experiment_charts.h"
#include "panic/export/text_renderer.h"
#include "panic/store/database.h"

namespace panic::exporting {

// Draws the two charts into `dir` (which exists) and records them in `summary` (written
// or skipped).
Status ExportLyapunovCharts(store::Database& db, const std::vector<std::string>& experiment_ids,
                            const std::string& dir, DrawingFormat format, ChartsSummary* summary);

// The colour of exponent `value` on the heat map's scale [−scale, scale]: white at 0, Okabe–Ito
// blue at −scale, vermillion at +scale (clamped beyond).
Rgba DivergingColor(double value, double scale);

}  // namespace panic::exporting
