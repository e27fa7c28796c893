// libFuzzer target: the USE-Lite SentencePiece reader (UnigramTokenizer::FromJson, the
// vocab.json of a model package) and Encode on a text. The input is the vocabulary, a NUL
// byte, then the text (no NUL: the text alone against a small fixed vocabulary). Every id
// Encode returns must index the vocabulary.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "panic/models/native/sentencepiece_tokenizer.h"

namespace {

// Seven entries: the six reserved ids and one piece, so that a text-only input still
// reaches the lattice.
constexpr std::string_view kSmallVocabulary =
    R"([["<unk>",0],["<s>",0],["</s>",0],["a",0],["b",0],["c",0],["\u2581the",-1.5]])";

void Check(const panic::models::native::UnigramTokenizer& tokenizer, std::string_view text) {
  for (int32_t id : tokenizer.Encode(text)) {
    if (id < 0 || static_cast<size_t>(id) >= tokenizer.vocab_size()) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using panic::models::native::UnigramTokenizer;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  if (nul == std::string_view::npos) {
    static const UnigramTokenizer small = *UnigramTokenizer::FromJson(kSmallVocabulary);
    Check(small, input);
    return 0;
  }
  auto tokenizer = UnigramTokenizer::FromJson(input.substr(0, nul));
  if (!tokenizer.ok()) return 0;
  Check(*tokenizer, input.substr(nul + 1));
  return 0;
}
