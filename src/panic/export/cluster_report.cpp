#include "panic/export/cluster_report.h"

#include <cstdio>
#include <sstream>

#include "panic/export/cluster_charts.h"
#include "panic/export/html_report.h"
#include "panic/store/clustering_table.h"
#include "panic/store/invocations_table.h"

namespace panic::exporting {
namespace {

constexpr int64_t kReportClusters = 20;

std::string Percent(int64_t part, int64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return buf;
}

// The image that shows a cluster: an image medoid itself, or the image a text medoid was
// captioned from (its input). Empty when there is none.
Result<std::string> ExampleImage(store::SqliteDb& db, const store::clustering::ClusterSummary& c) {
  if (!c.medoid_type) return std::string();
  PANIC_ASSIGN_OR_RETURN(store::InvocationRecord medoid, store::invocations::Get(db, c.medoid_invocation_id));
  if (medoid.type == store::OutputType::kImage) return medoid.output_image;
  if (!medoid.input_invocation_id) return std::string();
  auto input = store::invocations::Get(db, *medoid.input_invocation_id);
  if (!input.ok()) {
    if (input.status().code() == StatusCode::kNotFound) return std::string();
    return input.status();
  }
  return input->type == store::OutputType::kImage ? input->output_image : std::string();
}

}  // namespace

Result<std::string> ClusterSectionHtml(store::Database& db, const std::string& experiment_id) {
  return db.Read([&](store::SqliteDb& c) -> Result<std::string> {
    auto id = store::clustering::NewestCovering(c, {experiment_id});
    if (!id.ok()) {
      if (id.status().code() != StatusCode::kNotFound) return id.status();
      return "<p class=\"muted\">No stored clustering result covers this experiment yet; <code>panic-tda cluster run "
             "--experiment " + HtmlEscape(experiment_id) + "</code> makes one.</p>\n";
    }
    PANIC_ASSIGN_OR_RETURN(auto result, store::clustering::Get(c, *id));
    PANIC_ASSIGN_OR_RETURN(auto clusters, store::clustering::Clusters(c, *id, kReportClusters));
    const int64_t n = result.point_count.value_or(0);
    std::ostringstream h;
    h << "<p class=\"muted\">clustering <code>" << HtmlEscape(result.id) << "</code> · " << HtmlEscape(result.embedding_model)
      << " · " << HtmlEscape(result.algorithm) << " (" << HtmlEscape(result.path.value_or("?")) << ") · " << n
      << " outputs, " << result.cluster_count.value_or(0) << " clusters, outliers "
      << Percent(result.outlier_count.value_or(0), n) << " · parameters <code>" << HtmlEscape(result.parameters_json)
      << "</code></p>\n";
    h << "<table>\n<tr><th>#</th><th>size</th><th>share</th><th>runs</th><th>medoid</th><th>example</th></tr>\n";
    for (size_t i = 0; i < clusters.size(); ++i) {
      const auto& cl = clusters[i];
      std::string medoid = !cl.medoid_type ? "(medoid deleted)"
                           : *cl.medoid_type == "text" ? HtmlEscape(cl.medoid_text)
                                                       : "image <code>" + HtmlEscape(cl.medoid_invocation_id) + "</code>";
      PANIC_ASSIGN_OR_RETURN(std::string image, ExampleImage(c, cl));
      // Stored images are WEBP (store/image_codec.h), which browsers show inline.
      std::string example = image.empty() ? "" : "<img alt=\"example of cluster " + std::to_string(cl.label) +
                                                     "\" style=\"max-width:160px\" src=\"data:image/webp;base64," +
                                                     Base64(image) + "\">";
      h << "<tr><td>" << i + 1 << " (c" << cl.label << ")</td><td>" << cl.size << "</td><td>" << Percent(cl.size, n)
        << "</td><td>" << cl.run_count << "</td><td>" << medoid << "</td><td>" << example << "</td></tr>\n";
    }
    h << "</table>\n";
    if (static_cast<int64_t>(clusters.size()) < result.cluster_count.value_or(0)) {
      h << "<p class=\"muted\">The " << clusters.size() << " largest of " << result.cluster_count.value_or(0)
        << " clusters.</p>\n";
    }
    return h.str();
  });
}

}  // namespace panic::exporting
