#include "panic/cli/progress_printer.h"

#include <cmath>
#include <cstdio>
#include <ostream>

namespace panic::cli {

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, s / 60 % 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

std::string ProgressPrinter::Line(const engine::ProgressEvent& e, double elapsed) const {
  // The pipeline's rate and ETA (which covers every remaining stage); "≥" when a later
  // stage has no measured rate yet.
  const double rate = e.rate > 0 ? e.rate : (elapsed > 0 ? e.done_this_session / elapsed : 0);
  const std::string eta = e.finished && !e.eta_partial && e.eta_s <= 0
                              ? "0s"
                              : (e.eta_s >= 0 ? (e.eta_partial ? ">" : "") + FormatDuration(e.eta_s) : "?");
  const double frac = e.total > 0 ? static_cast<double>(e.done) / e.total : 1.0;
  char buf[256];
  if (terminal_) {
    constexpr int kWidth = 28;
    int filled = static_cast<int>(frac * kWidth);
    std::string bar(filled, '#');
    bar.resize(kWidth, '-');
    std::snprintf(buf, sizeof buf, "%-10s [%s] %5.1f%% %lld/%lld %s  %.*f/s  ETA %s", e.stage.c_str(), bar.c_str(),
                  100 * frac, static_cast<long long>(e.done), static_cast<long long>(e.total), e.unit.c_str(),
                  rate < 10 ? 2 : 0, rate, eta.c_str());
  } else {
    std::snprintf(buf, sizeof buf, "%s: %lld/%lld %s (%.1f%%), %.*f/s, ETA %s", e.stage.c_str(),
                  static_cast<long long>(e.done), static_cast<long long>(e.total), e.unit.c_str(), 100 * frac,
                  rate < 10 ? 2 : 0, rate, eta.c_str());
  }
  return buf;
}

void ProgressPrinter::operator()(const engine::ProgressEvent& e) {
  std::string key = e.stage + '\n' + std::to_string(e.done) + '/' + std::to_string(e.total);
  if (e.finished && key == last_printed_) return;
  auto now = std::chrono::steady_clock::now();
  if (e.stage != stage_) {
    stage_ = e.stage;
    stage_start_ = now;
    last_print_ = now - std::chrono::hours(1);
  }
  const double elapsed = std::chrono::duration<double>(now - stage_start_).count();
  const auto since_print = now - last_print_;
  if (terminal_) {
    if (!e.finished && since_print < std::chrono::milliseconds(100)) return;
    os_ << "\r\033[K" << Line(e, elapsed) << (e.finished ? "\n" : "") << std::flush;
    // On a terminal an unfinished line is redrawn by the next: only a finished one stays.
    if (!e.finished) key.clear();
  } else {
    if (!e.finished && since_print < std::chrono::seconds(5)) return;
    os_ << Line(e, elapsed) << "\n" << std::flush;
  }
  last_print_ = now;
  last_printed_ = std::move(key);
}

void ProgressPrinter::Count(const std::string& stage, const std::string& unit, int64_t done, int64_t total) {
  engine::ProgressEvent e{stage, unit, done, total, done, done == total};
  if (stage == stage_ && done > 0 && done < total) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - stage_start_).count();
    if (elapsed > 0) {
      e.rate = static_cast<double>(done) / elapsed;
      e.eta_s = static_cast<double>(total - done) / e.rate;
    }
  }
  (*this)(e);
}

}  // namespace panic::cli
