#include "panic/export/html_report.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "panic/core/atomic_file.h"
#include "panic/export/cancel.h"
#include "panic/export/cluster_report.h"
#include "panic/export/experiment_charts.h"
#include "panic/export/image_export.h"
#include "panic/export/image_metadata.h"
#include "panic/export/text_renderer.h"
#include "panic/store/experiments_table.h"
#include "panic/store/runs_table.h"

namespace panic::exporting {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStyle = R"(
body{font-family:"DejaVu Sans","Noto Sans","Noto Sans CJK SC",sans-serif;margin:2rem auto;max-width:1200px;color:#1a1a1e;padding:0 1rem}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f4f4f6}code,pre{font-family:"DejaVu Sans Mono",monospace;font-size:.85rem}pre{background:#f7f7f9;padding:.6rem;overflow:auto}
img{max-width:100%;height:auto;border:1px solid #eee}.muted{color:#666}figure{margin:1rem 0}figcaption{color:#555;font-size:.9rem}
)";

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A private temporary folder, removed on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "panic-report-XXXXXX").string();
    if (mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Row(const std::string& key, const std::string& escaped_value) {
  return "<tr><th>" + HtmlEscape(key) + "</th><td>" + escaped_value + "</td></tr>\n";
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (unsigned char c : ValidUtf8(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{static_cast<uint8_t>(bytes[i])} << 16) |
                       (uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8) | static_cast<uint8_t>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t{static_cast<uint8_t>(bytes[i])} << 16;
    if (i + 1 < bytes.size()) v |= uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Status WriteHtmlReport(store::Database& db, const std::string& experiment_id, const std::string& output,
                       const ReportOptions& options, const std::atomic<bool>* cancel) {
  PANIC_ASSIGN_OR_RETURN(auto e, store::experiments::Get(db.connection(), experiment_id));
  PANIC_ASSIGN_OR_RETURN(auto counts, db.Read([&](store::SqliteDb& c) { return store::experiments::Count(c, e.id); }));
  PANIC_ASSIGN_OR_RETURN(auto runs, store::runs::List(db.connection(), e.id));
  ScratchDir scratch;
  if (scratch.path().empty()) return Status::IOError("cannot create a temporary folder for the report");

  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<title>panic-tda report — experiment " << HtmlEscape(e.id) << "</title>\n<style>" << kStyle
    << "</style>\n</head>\n<body>\n";
  h << "<h1>Experiment <code>" << HtmlEscape(e.id) << "</code></h1>\n";
  h << "<p class=\"muted\">created " << HtmlEscape(e.created_at) << " · started "
    << HtmlEscape(e.started_at.value_or("—")) << " · completed " << HtmlEscape(e.completed_at.value_or("not yet"))
    << "</p>\n";

  // Config.
  h << "<h2>Configuration</h2>\n<table>\n";
  std::string nets;
  for (const auto& n : e.networks) {
    std::string name;
    for (const auto& m : n) name += (name.empty() ? "" : " → ") + m;
    nets += "<li>" + HtmlEscape(name) + "</li>";
  }
  h << Row("networks", "<ul>" + nets + "</ul>");
  std::string prompts;
  for (const auto& p : e.prompts) prompts += "<li>" + HtmlEscape(p) + "</li>";
  h << Row("prompts", "<ul>" + prompts + "</ul>");
  std::string seeds;
  for (auto s : e.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
  h << Row("seeds", HtmlEscape(seeds));
  std::string models;
  for (const auto& m : e.embedding_models) models += (models.empty() ? "" : ", ") + m;
  h << Row("embedding models", HtmlEscape(models));
  h << Row("max length", std::to_string(e.max_length));
  auto opts = nlohmann::json::parse(e.options_json, nullptr, false);
  h << Row("options", "<pre>" + HtmlEscape(opts.is_discarded() ? e.options_json : opts.dump(2)) + "</pre>");
  h << "</table>\n";

  // Progress and stop reasons.
  h << "<h2>Progress</h2>\n<table>\n";
  h << Row("runs", std::to_string(counts.runs_finished) + " finished, " + std::to_string(counts.runs_failed) +
                       " failed, " + std::to_string(counts.runs_total) + " in all");
  h << Row("invocations", std::to_string(counts.invocations) + " (" + std::to_string(counts.image_invocations) +
                              " images, " + std::to_string(counts.text_invocations) + " texts)");
  for (const auto& [model, n] : counts.embeddings) h << Row("embeddings · " + model, std::to_string(n));
  for (const auto& [model, n] : counts.diagrams) h << Row("diagrams · " + model, std::to_string(n));
  for (const auto& [model, n] : counts.diagram_failures) h << Row("failed diagrams · " + model, std::to_string(n));
  h << "</table>\n<h3>Stop reasons</h3>\n<table>\n<tr><th>reason</th><th>runs</th></tr>\n";
  for (const auto& [reason, n] : counts.stop_reasons) {
    h << "<tr><td>" << HtmlEscape(reason) << "</td><td>" << n << "</td></tr>\n";
  }
  h << "</table>\n";
  std::string errors;
  for (const auto& r : runs) {
    if (r.error) errors += "<li>run " + std::to_string(r.run_number) + ": " + HtmlEscape(*r.error) + "</li>";
  }
  if (!errors.empty()) h << "<h3>Failures</h3>\n<ul>" << errors << "</ul>\n";

  // Sample timelines.
  h << "<h2>Sample timelines</h2>\n";
  std::vector<std::string> sample;
  for (size_t i : EvenlyChosen(runs.size(), static_cast<size_t>(std::max(0, options.timeline_runs)))) {
    sample.push_back(runs[i].id);
  }
  int shown = 0;
  for (const auto& id : sample) {
    const std::string png = scratch.path() + "/timeline_" + std::to_string(shown) + ".png";
    Status st = RenderTimeline(db, {id}, options.timeline_steps, png, cancel);
    if (st.code() == StatusCode::kInvalidArgument) continue;  // a run without images
    PANIC_RETURN_IF_ERROR(st);
    PANIC_ASSIGN_OR_RETURN(std::string bytes, ReadAll(png));
    PANIC_ASSIGN_OR_RETURN(auto run, store::runs::Get(db.connection(), id));
    h << "<figure><img alt=\"timeline of run " << run.run_number << "\" src=\"data:image/png;base64," << Base64(bytes)
      << "\"><figcaption>run " << run.run_number << " · seed " << run.seed << " · "
      << HtmlEscape(run.initial_prompt) << "</figcaption></figure>\n";
    ++shown;
  }
  if (shown == 0) h << "<p class=\"muted\">No run has images yet.</p>\n";

  // Charts.
  h << "<h2>Charts</h2>\n";
  PANIC_ASSIGN_OR_RETURN(ChartsSummary charts,
                         ExportCharts(db, {e.id}, scratch.path() + "/charts", DrawingFormat::kSvg, {}, cancel));
  for (const auto& path : charts.written) {
    PANIC_ASSIGN_OR_RETURN(std::string svg, ReadAll(path));
    const std::string name = fs::path(path).stem().string();
    h << "<figure><img alt=\"" << HtmlEscape(name) << "\" src=\"data:image/svg+xml;base64," << Base64(svg)
      << "\"><figcaption>" << HtmlEscape(name) << "</figcaption></figure>\n";
  }
  if (!charts.skipped.empty()) {
    h << "<p class=\"muted\">Not drawn:</p><ul class=\"muted\">";
    for (const auto& [name, why] : charts.skipped) h << "<li>" << HtmlEscape(name) << ": " << HtmlEscape(why) << "</li>";
    h << "</ul>\n";
  }

  // Clusters.
  h << "<h2>Clusters</h2>\n";
  PANIC_ASSIGN_OR_RETURN(std::string clusters, ClusterSectionHtml(db, e.id));
  h << clusters;
  h << "<footer class=\"muted\"><p>panic-tda export report</p></footer>\n</body>\n</html>\n";
  PANIC_RETURN_IF_ERROR(CheckCancel(cancel, "report"));
  return WriteFileAtomically(output, h.str());
}

}  // namespace panic::exporting
