#include "panic/models/registry.h"

namespace panic::models {

void RegisterNativeModels(ModelRegistry& /*registry*/) {}

}  // namespace panic::models
