// The one-file HTML report of an experiment (issue 14, "Report"): config, progress and
// stop reasons, sample timelines, the charts and the clusters, in a single HTML file that
// works offline — images and charts are data URIs (charts as SVG images, so that the
// glyph ids of one chart cannot clash with another's), and there is no script at all.
//
// Every string from the database goes through HtmlEscape (a prompt can hold `<script>`).
//
// Thread safety: uses its Database from the calling thread only.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "panic/store/database.h"
#include "panic/store/records.h"

namespace panic::exporting {

// & < > " ' as entities; invalid UTF-8 replaced by U+FFFD; C0 controls other than tab,
// LF and CR dropped.
std::string HtmlEscape(std::string_view text);
// RFC 4648 base64 with padding.
std::string Base64(std::string_view bytes);

struct ReportOptions {
  int timeline_runs = 4;   // sample timelines: this many runs, evenly chosen
  int timeline_steps = 8;  // image steps per timeline
};

// Writes the report to `output`. NotFound for an unknown experiment; IOError when a file
// cannot be written; Cancelled when *cancel turns true (checked per timeline image, per run
// of the charts and before the file is committed: nothing written).
Status WriteHtmlReport(store::Database& db, const std::string& experiment_id, const std::string& output,
                       const ReportOptions& options = {}, const std::atomic<bool>* cancel = nullptr);

}  // namespace panic::exporting
