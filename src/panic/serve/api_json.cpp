#include "panic/serve/api_json.h"


namespace panic::serve {
namespace {

template <typename T>
nlohmann::json OrNull(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

}  // namespace

nlohmann::json ClusterJson(const store::clustering::ClusterSummary& c, int64_t n) {
  return {{"label", c.label},
          {"size", c.size},
          {"share", n > 0 ? static_cast<double>(c.size) / static_cast<double>(n) : 0.0},
          {"run_count", c.run_count},
          {"medoid_embedding_id", OrNull(c.medoid_embedding_id)},
          {"medoid_invocation_id", c.medoid_type ? nlohmann::json(c.medoid_invocation_id) : nlohmann::json(nullptr)},
          {"medoid_type", OrNull(c.medoid_type)},
          {"medoid_text", c.medoid_type && *c.medoid_type == "text" ? nlohmann::json(c.medoid_text) : nlohmann::json(nullptr)}};
}

}  // namespace panic::serve
