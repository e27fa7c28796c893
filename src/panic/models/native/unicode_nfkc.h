// Unicode NFKC normalisation, as JavaScript's String.prototype.normalize
// ("NFKC") does it, for the SentencePiece tokenizer (sentencepiece_tokenizer.h). UTF-8 decoding is
// core/utf8.h.
//
// The character data (decompositions, combining classes, compositions) is generated into
// unicode_nfkc_tables.inc by tools/use_lite_reference/gen_nfkc_tables.py; its Unicode
// version is NfkcUnicodeVersion(). Characters assigned after that version pass through
// unchanged.
//
// Thread safety: pure functions over constant tables.
#pragma once

#include <string>
#include <string_view>

namespace panic::models::native {

// Normalisation form KC of `text`: compatibility decomposition, canonical ordering,
// canonical composition (Unicode Standard Annex #15).
std::u32string NfkcNormalize(std::u32string_view text);

const char* NfkcUnicodeVersion();

}  // namespace panic::models::native
