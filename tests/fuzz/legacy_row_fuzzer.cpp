// libFuzzer target: the import's row mapping (store/legacy_mapping.h). The input is split at
// 0x00 bytes into column values (0x01 alone = NULL); every mapping function is given the
// same values. Only clean errors are expected; a mapped row is checked for what the
// importer relies on (canonical ids, our timestamp form, valid vectors).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "panic/store/legacy_mapping.h"

namespace lg = panic::store::legacy;

namespace {

bool CanonicalId(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (id[i] == '-')) return false;
    if (!dash && !((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return false;
  }
  return true;
}

bool OurTime(const std::string& t) { return t.size() == 27 && t[10] == 'T' && t[19] == '.' && t.back() == 'Z'; }

lg::SourceRow Row(const std::vector<lg::Value>& values, size_t n) {
  lg::SourceRow row;
  row.rowid = 1;
  for (size_t i = 0; i < n; ++i) row.values.push_back(i < values.size() ? values[i] : lg::Value());
  return row;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<lg::Value> values;
  size_t start = 0;
  for (size_t i = 0; i <= in.size() && values.size() < 16; ++i) {
    if (i == in.size() || in[i] == '\0') {
      std::string v(in.substr(start, i - start));
      values.push_back(v == "\x01" ? lg::Value() : lg::Value(v));
      start = i + 1;
    }
  }
  if (auto e = lg::PythonExperiment(Row(values, 8)); e.ok()) {
    if (!CanonicalId(e->id) || e->max_length <= 0) __builtin_trap();
  }
  if (auto r = lg::PythonRun(Row(values, 6)); r.ok()) {
    if (!CanonicalId(r->id) || !CanonicalId(r->experiment_id)) __builtin_trap();
  }
  if (auto i = lg::PythonInvocation(Row(values, 11)); i.ok()) {
    if (!CanonicalId(i->record.id) || !OurTime(i->record.started_at) || i->record.sequence_number < 0) __builtin_trap();
  }
  if (auto e = lg::PythonEmbedding(Row(values, 6)); e.ok()) {
    if (e->vector.empty() || e->vector.size() % 4 != 0 || !OurTime(e->completed_at)) __builtin_trap();
  }
  if (auto d = lg::PythonDiagramRow(Row(values, 6)); d.ok()) {
    if (!CanonicalId(d->run_id) || d->diagram_data.has_value() == d->error.has_value()) __builtin_trap();
  }
  (void)lg::PythonClustering(Row(values, 7));
  (void)lg::PythonAssignment(Row(values, 4));
  if (auto l = lg::ElixirLyapunovRow(Row(values, 8)); l.ok()) {
    const auto& r = l->record;
    // What lyapunov_results' checks and lyapunov::Put require, and num_pairs = m(m−1)/2.
    if (!CanonicalId(r.id) || !CanonicalId(r.experiment_id) || r.num_timesteps < 2 ||
        static_cast<size_t>(r.num_timesteps) != r.curve.size() || r.num_runs < 2 ||
        r.num_runs * (r.num_runs - 1) / 2 != r.num_pairs || !OurTime(r.computed_at) || !OurTime(l->started_at)) {
      __builtin_trap();
    }
  }
  for (const auto& v : values) {
    if (v) {
      (void)lg::PythonTime(*v, "t");
      (void)lg::ElixirTime(*v, "t");
    }
  }
  return 0;
}
