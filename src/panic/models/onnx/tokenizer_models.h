// The three subword models of tokenizer.json ("model"): WordPiece, Unigram, BPE. Each
// turns one pre-tokenized piece into ids, as the `tokenizers` library does:
//   WordPiece  greedy longest match from the left, "##" (continuing_subword_prefix) on
//              non-initial pieces; a word with an unmatchable rest, or longer than
//              max_input_chars_per_word, is one unk_token
//   Unigram    the Viterbi path of highest total score; where no one-character piece
//              starts, an unknown of one character scoring (lowest score − 10); ties keep
//              the earlier-found path; consecutive unknowns fuse into one
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

class TokenizerModel {
 public:
  virtual ~TokenizerModel() = default;
  virtual void Tokenize(const std::u32string& piece, std::vector<int64_t>& ids) const = 0;
  virtual std::optional<std::string> IdToToken(int64_t id) const = 0;
  virtual std::optional<int64_t> TokenToId(const std::string& token) const = 0;
  virtual size_t vocab_size() const = 0;
};

// From tokenizer.json's "model"; InvalidArgument naming `where` when malformed or unknown.
Result<std::unique_ptr<TokenizerModel>> MakeTokenizerModel(const nlohmann::json& model, const std::string& where);

}  // namespace panic::models::onnx
