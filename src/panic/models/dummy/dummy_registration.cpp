#include "panic/models/registry.h"

namespace panic::models {

void RegisterDummyModels(ModelRegistry& /*registry*/) {}

}  // namespace panic::models
