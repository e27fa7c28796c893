// Limits on JSON text from outside (experiment configs, worker frame headers), checked
// before nlohmann::json builds a document from it: nesting deeper than a cap would cost
// a node per bracket (and is never meaningful for us). docs/DECODERS.md lists the caps.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace panic {

// The deepest nesting of arrays and objects in `text` (brackets inside strings do not
// count; the text need not be valid JSON), or stop_above + 1 as soon as it is exceeded.
size_t JsonNestingDepth(std::string_view text, size_t stop_above);

}  // namespace panic
