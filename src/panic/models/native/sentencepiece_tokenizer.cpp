#include "panic/models/native/sentencepiece_tokenizer.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "panic/core/utf8.h"
#include "panic/models/native/unicode_nfkc.h"

namespace panic::models::native {
namespace {

constexpr char32_t kWordBoundary = U'\u2581';  // "▁"

uint64_t EdgeKey(int32_t node, char32_t c) { return (static_cast<uint64_t>(node) << 21) | c; }

int32_t Utf16Length(const std::u32string& s) {
  int32_t n = 0;
  for (char32_t c : s) n += c > 0xFFFF ? 2 : 1;
  return n;
}

}  // namespace

Result<UnigramTokenizer> UnigramTokenizer::LoadFile(const std::filesystem::path& vocab_json) {
  std::ifstream in(vocab_json, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + vocab_json.string());
  std::ostringstream text;
  text << in.rdbuf();
  auto made = FromJson(text.str());
  if (!made.ok()) return made.status().WithContext(vocab_json.string());
  return made;
}

Result<UnigramTokenizer> UnigramTokenizer::FromJson(std::string_view vocab_json) {
  nlohmann::json vocab = nlohmann::json::parse(vocab_json, nullptr, /*allow_exceptions=*/false);
  if (!vocab.is_array() || vocab.size() <= static_cast<size_t>(kReservedIds)) {
    return Status::Corruption("vocabulary is not a JSON array of [piece, score] pairs");
  }
  UnigramTokenizer t;
  t.nodes_.emplace_back();
  t.piece_utf16_length_.reserve(vocab.size());
  for (size_t id = 0; id < vocab.size(); ++id) {
    const auto& entry = vocab[id];
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() ||
        !(entry[1].is_number() || entry[1].is_null())) {
      return Status::Corruption("vocabulary entry " + std::to_string(id) + " is not [piece, score]");
    }
    const std::u32string piece = DecodeUtf8(entry[0].get<std::string>());
    // JavaScript adds a null score as 0.
    const double score = entry[1].is_null() ? 0.0 : entry[1].get<double>();
    t.piece_utf16_length_.push_back(Utf16Length(piece));
    if (static_cast<int32_t>(id) < kReservedIds || piece.empty()) continue;
    int32_t node = 0;
    for (char32_t c : piece) {
      auto [it, inserted] = t.children_.try_emplace(EdgeKey(node, c), static_cast<int32_t>(t.nodes_.size()));
      if (inserted) t.nodes_.emplace_back();
      node = it->second;
    }
    // A piece listed twice keeps its last id and score, as the JavaScript trie does.
    t.nodes_[node].piece = static_cast<int32_t>(id);
    t.nodes_[node].score = score;
  }
  if (t.piece_utf16_length_[kUnknownId] <= 0) return Status::Corruption("vocabulary: empty unknown piece");
  return t;
}

int32_t UnigramTokenizer::Child(int32_t node, char32_t c) const {
  auto it = children_.find(EdgeKey(node, c));
  return it == children_.end() ? -1 : it->second;
}

std::vector<int32_t> UnigramTokenizer::Encode(std::string_view utf8) const {
  std::u32string symbols = NfkcNormalize(DecodeUtf8(utf8));
  if (symbols.empty()) return {};
  std::replace(symbols.begin(), symbols.end(), U' ', kWordBoundary);
  symbols.insert(symbols.begin(), kWordBoundary);
  const int n = static_cast<int>(symbols.size());

  // Lattice: candidates by end position, each list in ascending start order.
  struct Candidate {
    int32_t piece;
    int32_t length;  // in code points
    double score;
  };
  std::vector<std::vector<Candidate>> ending_at(n + 1);
  for (int start = 0; start < n; ++start) {
    bool matched = false;
    int32_t node = Child(0, symbols[start]);
    for (int end = start + 1; node >= 0; ++end) {
      if (nodes_[node].piece >= 0) {
        ending_at[end].push_back({nodes_[node].piece, end - start, nodes_[node].score});
        matched = true;
      }
      if (end == n) break;
      node = Child(node, symbols[end]);
    }
    if (!matched) ending_at[start + 1].push_back({kUnknownId, 1, 0.0});
  }

  std::vector<double> best(n + 1, 0.0);
  std::vector<int32_t> word(n + 1, kUnknownId);
  for (int end = 0; end <= n; ++end) {
    for (const Candidate& c : ending_at[end]) {
      const double score = c.score + best[end - c.length];
      if (best[end] == 0 || score >= best[end]) {  // 0 means "unset" in the reference
        best[end] = score;
        word[end] = c.piece;
      }
    }
  }

  std::vector<int32_t> reversed;
  for (int at = n; at > 0; at -= piece_utf16_length_[word[at]]) reversed.push_back(word[at]);

  std::vector<int32_t> ids;
  ids.reserve(reversed.size());
  bool previous_unknown = false;
  for (int32_t id : reversed) {
    if (!(previous_unknown && id == kUnknownId)) ids.push_back(id);
    previous_unknown = id == kUnknownId;
  }
  std::reverse(ids.begin(), ids.end());
  return ids;
}

}  // namespace panic::models::native
