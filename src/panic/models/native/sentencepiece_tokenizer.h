// The SentencePiece unigram tokenizer of Universal Sentence Encoder Lite, written to give
// the same ids as the JavaScript one in @energetic-ai/embeddings 0.2.0 (lib/tokenizer.ts),
// quirks included:
//   - the text is NFKC-normalised; a non-empty one gets "▁" in front and every U+0020 becomes
//     "▁" (other whitespace is left as it is);
//   - pieces are matched on code points; ids 0–5 are reserved and never matched;
//   - Viterbi over the piece scores: end positions left to right, candidates by ascending
//     start, a later candidate wins ties (>=), and a best score of exactly 0 counts as unset;
//     a null score in vocab.json counts as 0;
//   - a position where no piece starts yields the unknown id 0 for one code point, and runs
//     of unknowns collapse into one 0;
//   - the back-trace steps back by the UTF-16 length of each chosen piece's text.
//
// Thread safety: immutable after construction; Encode may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "panic/core/status.h"

namespace panic::models::native {

class UnigramTokenizer {
 public:
  // Reads vocab.json: a JSON array of [piece, score] pairs, the index being the id.
  // IOError when unreadable, Corruption when not such an array.
  static Result<UnigramTokenizer> LoadFile(const std::filesystem::path& vocab_json);
  static Result<UnigramTokenizer> FromJson(std::string_view vocab_json);

  // The ids of `utf8` (all of them; the model clips to its maximum length). Empty for "".
  std::vector<int32_t> Encode(std::string_view utf8) const;

  size_t vocab_size() const { return piece_utf16_length_.size(); }

  static constexpr int32_t kUnknownId = 0;
  static constexpr int32_t kReservedIds = 6;  // <unk>, <s>, </s>, 3 extra: never matched

 private:
  struct TrieNode {
    int32_t piece = -1;  // the id of the piece that ends here, −1 if none
    double score = 0;
  };
  int32_t Child(int32_t node, char32_t c) const;

  std::vector<int32_t> piece_utf16_length_;  // by id
  std::vector<TrieNode> nodes_;              // nodes_[0] is the root
  std::unordered_map<uint64_t, int32_t> children_;  // (node << 21 | code point) → child
};

}  // namespace panic::models::native
