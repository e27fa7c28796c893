// The three subword models of tokenizer.json ("model"): WordPiece, Unigram, BPE. Each
// turns one pre-tokenized piece into ids, as the `tokenizers` library does:
//   WordPiece  greedy longest match from the left, "##" (continuing_subword_prefix) on
//              non-initial pieces; a word with an unmatchable rest, or longer than
//              max_input_chars_per_word, is one unk_token
//   Unigram    the Viterbi path of highest total score; where no one-character piece
//              starts, an unknown of one character scoring (lowest score − 10); ties keep
//              the earlier-found path (or the later one: TokenizerOptions); consecutive
//              unknowns fuse into one
//   BPE        characters (end_of_word_suffix on the last, continuing_subword_prefix on the
//              others), then the lowest-ranked merge first until none applies; a character
//              not in the vocabulary is unk_token when there is one, else dropped
//
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "panic/core/status.h"

namespace panic::models::onnx {

// What a model folder's manifest may set beyond tokenizer.json (our extension: the
// tokenizer.json itself stays a standard file that Hugging Face's library reads).
struct TokenizerOptions {
  // Unigram: among Viterbi paths of equal total score keep the one found last, as
  // SentencePiece-derived references such as USELite's do, instead of the first (the
  // `tokenizers` library's rule). Equal-scoring paths use the same pieces in another order
  // ("__ _" vs "_ __"), so no change of scores can express this rule.
  bool unigram_ties_to_last = false;
};

class TokenizerModel {
 public:
  virtual ~TokenizerModel() = default;
  virtual void Tokenize(const std::u32string& piece, std::vector<int64_t>& ids) const = 0;
  virtual std::optional<std::string> IdToToken(int64_t id) const = 0;
  virtual std::optional<int64_t> TokenToId(const std::string& token) const = 0;
  virtual size_t vocab_size() const = 0;
};

// From tokenizer.json's "model"; InvalidArgument naming `where` when malformed or unknown.
Result<std::unique_ptr<TokenizerModel>> MakeTokenizerModel(const nlohmann::json& model, const std::string& where,
                                                          const TokenizerOptions& options = {});

}  // namespace panic::models::onnx
