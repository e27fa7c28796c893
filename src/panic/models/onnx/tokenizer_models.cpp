#include "panic/models/onnx/tokenizer_models.h"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "panic/core/utf8.h"
#include "panic/models/onnx/unicode_text.h"

namespace panic::models::onnx {
namespace {

using nlohmann::json;

Status Bad(const std::string& where, const std::string& what) {
  return Status::InvalidArgument(where + ": model: " + what);
}

// token -> id and back, from a {"token": id} object.
struct Vocab {
  std::unordered_map<std::string, int64_t> ids;
  std::unordered_map<int64_t, std::string> tokens;

  static Result<Vocab> FromObject(const json& v, const std::string& where) {
    if (!v.is_object()) return Bad(where, "vocab is not an object of token: id");
    Vocab out;
    for (const auto& [token, id] : v.items()) {
      if (!id.is_number_integer() || id.get<int64_t>() < 0) return Bad(where, "vocab entry '" + token + "' has no id ≥ 0");
      out.ids[token] = id.get<int64_t>();
      out.tokens[id.get<int64_t>()] = token;
    }
    return out;
  }
  std::optional<int64_t> Find(const std::string& t) const {
    auto it = ids.find(t);
    return it == ids.end() ? std::nullopt : std::optional<int64_t>(it->second);
  }
  std::optional<std::string> Token(int64_t id) const {
    auto it = tokens.find(id);
    return it == tokens.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

class WordPieceModel final : public TokenizerModel {
 public:
  WordPieceModel(Vocab vocab, int64_t unk, std::string prefix, size_t max_chars)
      : vocab_(std::move(vocab)), unk_(unk), prefix_(std::move(prefix)), max_chars_(max_chars) {}

  void Tokenize(const std::u32string& piece, std::vector<int64_t>& ids) const override {
    if (piece.size() > max_chars_) {
      ids.push_back(unk_);
      return;
    }
    std::vector<int64_t> sub;
    size_t start = 0;
    while (start < piece.size()) {
      size_t end = piece.size();
      std::optional<int64_t> found;
      while (start < end) {
        std::string candidate = (start > 0 ? prefix_ : std::string()) + EncodeUtf8(piece.substr(start, end - start));
        if ((found = vocab_.Find(candidate))) break;
        --end;
      }
      if (!found) {
        ids.push_back(unk_);
        return;
      }
      sub.push_back(*found);
      start = end;
    }
    ids.insert(ids.end(), sub.begin(), sub.end());
  }
  std::optional<std::string> IdToToken(int64_t id) const override { return vocab_.Token(id); }
  std::optional<int64_t> TokenToId(const std::string& t) const override { return vocab_.Find(t); }
  size_t vocab_size() const override { return vocab_.ids.size(); }

 private:
  Vocab vocab_;
  int64_t unk_;
  std::string prefix_;
  size_t max_chars_;
};

class UnigramModel final : public TokenizerModel {
 public:
  static Result<std::unique_ptr<TokenizerModel>> Make(const json& m, const std::string& where, bool ties_to_last) {
    auto model = std::unique_ptr<UnigramModel>(new UnigramModel());
    const json& vocab = m.value("vocab", json());
    if (!vocab.is_array() || vocab.empty()) return Bad(where, "Unigram vocab is not a non-empty list of [piece, score]");
    model->nodes_.emplace_back();
    double min_score = std::numeric_limits<double>::infinity();
    for (size_t id = 0; id < vocab.size(); ++id) {
      const json& e = vocab[id];
      if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number()) {
        return Bad(where, "Unigram vocab entry " + std::to_string(id) + " is not [piece, score]");
      }
      model->pieces_.push_back(e[0].get<std::string>());
      model->scores_.push_back(e[1].get<double>());
      min_score = std::min(min_score, e[1].get<double>());
    }
    // A piece listed twice resolves to its last id (and that id's score), as the library's
    // token-to-id map does.
    for (size_t id = 0; id < model->pieces_.size(); ++id) {
      const std::u32string piece = DecodeUtf8(model->pieces_[id]);
      if (piece.empty()) continue;
      int32_t node = 0;
      for (char32_t c : piece) node = model->ChildOrAdd(node, c);
      model->nodes_[node] = static_cast<int64_t>(id);
      model->ids_[model->pieces_[id]] = static_cast<int64_t>(id);
    }
    if (!m.contains("unk_id") || !m["unk_id"].is_number_integer() || m["unk_id"].get<int64_t>() < 0 ||
        m["unk_id"].get<size_t>() >= vocab.size()) {
      return Bad(where, "Unigram unk_id is missing or outside the vocabulary");
    }
    if (m.value("byte_fallback", false)) return Bad(where, "Unigram byte_fallback is not supported");
    model->unk_ = m["unk_id"].get<int64_t>();
    model->unk_score_ = min_score - 10.0;
    model->ties_to_last_ = ties_to_last;
    return std::unique_ptr<TokenizerModel>(std::move(model));
  }

  void Tokenize(const std::u32string& s, std::vector<int64_t>& ids) const override {
    struct Best {
      int64_t id = -1;  // -1: not reached yet
      double score = 0;
      size_t start = 0;
    };
    const size_t n = s.size();
    std::vector<Best> best(n + 1);
    best[0].id = -2;  // the start: reached, nothing ends here
    for (size_t start = 0; start < n; ++start) {
      if (best[start].id == -1) continue;
      const double here = best[start].score;
      bool single = false;
      int32_t node = 0;
      for (size_t end = start; end < n; ++end) {
        node = Child(node, s[end]);
        if (node < 0) break;
        const int64_t id = nodes_[node];
        if (id < 0) continue;
        const double score = scores_[id] + here;
        Best& b = best[end + 1];
        if (b.id == -1 || score > b.score || (ties_to_last_ && score == b.score)) b = {id, score, start};
        if (end == start) single = true;
      }
      if (!single) {
        Best& b = best[start + 1];
        const double score = unk_score_ + here;
        if (b.id == -1 || score > b.score || (ties_to_last_ && score == b.score)) b = {unk_, score, start};
      }
    }
    std::vector<int64_t> path;
    for (size_t end = n; end > 0; end = best[end].start) path.push_back(best[end].id);
    std::reverse(path.begin(), path.end());
    for (size_t i = 0; i < path.size(); ++i) {
      if (path[i] == unk_ && !ids.empty() && i > 0 && path[i - 1] == unk_) continue;  // fuse unknowns
      ids.push_back(path[i]);
    }
  }
  std::optional<std::string> IdToToken(int64_t id) const override {
    if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) return std::nullopt;
    return pieces_[static_cast<size_t>(id)];
  }
  std::optional<int64_t> TokenToId(const std::string& t) const override {
    auto it = ids_.find(t);
    return it == ids_.end() ? std::nullopt : std::optional<int64_t>(it->second);
  }
  size_t vocab_size() const override { return pieces_.size(); }

 private:
  UnigramModel() = default;
  int32_t Child(int32_t node, char32_t c) const {
    auto it = children_.find((static_cast<uint64_t>(node) << 21) | c);
    return it == children_.end() ? -1 : it->second;
  }
  int32_t ChildOrAdd(int32_t node, char32_t c) {
    const uint64_t key = (static_cast<uint64_t>(node) << 21) | c;
    auto it = children_.find(key);
    if (it != children_.end()) return it->second;
    nodes_.push_back(-1);
    const auto child = static_cast<int32_t>(nodes_.size() - 1);
    children_[key] = child;
    return child;
  }

  std::vector<std::string> pieces_;
  std::vector<double> scores_;
  std::unordered_map<std::string, int64_t> ids_;
  std::vector<int64_t> nodes_;  // the id of the piece ending at each trie node, −1 if none
  std::unordered_map<uint64_t, int32_t> children_;
  int64_t unk_ = 0;
  double unk_score_ = 0;
  bool ties_to_last_ = false;  // TokenizerOptions::unigram_ties_to_last
};

class BpeModel final : public TokenizerModel {
 public:
  static Result<std::unique_ptr<TokenizerModel>> Make(const json& m, const std::string& where) {
    auto model = std::unique_ptr<BpeModel>(new BpeModel());
    PANIC_ASSIGN_OR_RETURN(model->vocab_, Vocab::FromObject(m.value("vocab", json()), where));
    if (m.value("byte_fallback", false)) return Bad(where, "BPE byte_fallback is not supported");
    if (m.contains("dropout") && !m["dropout"].is_null() && m["dropout"].get<double>() > 0) {
      return Bad(where, "BPE dropout is not supported (tokenization must be deterministic)");
    }
    auto text = [&](const char* key) { return m.contains(key) && m[key].is_string() ? m[key].get<std::string>() : ""; };
    model->prefix_ = text("continuing_subword_prefix");
    model->suffix_ = text("end_of_word_suffix");
    model->fuse_unk_ = m.value("fuse_unk", false);
    model->ignore_merges_ = m.value("ignore_merges", false);
    if (!text("unk_token").empty()) {
      model->unk_ = model->vocab_.Find(text("unk_token"));
      if (!model->unk_) return Bad(where, "BPE unk_token '" + text("unk_token") + "' is not in the vocabulary");
    }
    const json& merges = m.value("merges", json::array());
    if (!merges.is_array()) return Bad(where, "BPE merges is not a list");
    for (size_t rank = 0; rank < merges.size(); ++rank) {
      std::string a, b;
      if (merges[rank].is_string()) {
        const std::string s = merges[rank].get<std::string>();
        const size_t space = s.find(' ');
        if (space == std::string::npos) return Bad(where, "BPE merge " + std::to_string(rank) + " is not \"a b\"");
        a = s.substr(0, space);
        b = s.substr(space + 1);
      } else if (merges[rank].is_array() && merges[rank].size() == 2) {
        a = merges[rank][0].get<std::string>();
        b = merges[rank][1].get<std::string>();
      } else {
        return Bad(where, "BPE merge " + std::to_string(rank) + " is neither \"a b\" nor [a, b]");
      }
      const auto ia = model->vocab_.Find(a), ib = model->vocab_.Find(b);
      const std::string joined =
          a + (!model->prefix_.empty() && b.compare(0, model->prefix_.size(), model->prefix_) == 0 ? b.substr(model->prefix_.size()) : b);
      const auto ij = model->vocab_.Find(joined);
      if (!ia || !ib || !ij) return Bad(where, "BPE merge \"" + a + " " + b + "\" uses a token that is not in the vocabulary");
      model->merges_.emplace(Key(*ia, *ib), std::pair<int64_t, int64_t>(static_cast<int64_t>(rank), *ij));
    }
    return std::unique_ptr<TokenizerModel>(std::move(model));
  }

  void Tokenize(const std::u32string& word, std::vector<int64_t>& ids) const override {
    if (ignore_merges_) {
      if (auto whole = vocab_.Find(EncodeUtf8(word) + suffix_)) {
        ids.push_back(*whole);
        return;
      }
    }
    std::vector<int64_t> symbols;
    bool last_unknown = false;
    for (size_t i = 0; i < word.size(); ++i) {
      std::string s = EncodeUtf8(word.substr(i, 1));
      if (i > 0) s = prefix_ + s;
      if (i + 1 == word.size()) s += suffix_;
      if (auto id = vocab_.Find(s)) {
        symbols.push_back(*id);
        last_unknown = false;
      } else if (unk_) {
        if (!(fuse_unk_ && last_unknown)) symbols.push_back(*unk_);
        last_unknown = true;
      }
    }
    // The lowest-ranked merge first (leftmost among equals), until none applies.
    while (symbols.size() > 1) {
      int64_t best_rank = -1, best_id = 0;
      size_t at = 0;
      for (size_t i = 0; i + 1 < symbols.size(); ++i) {
        auto it = merges_.find(Key(symbols[i], symbols[i + 1]));
        if (it != merges_.end() && (best_rank < 0 || it->second.first < best_rank)) {
          best_rank = it->second.first;
          best_id = it->second.second;
          at = i;
        }
      }
      if (best_rank < 0) break;
      symbols[at] = best_id;
      symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(at) + 1);
    }
    ids.insert(ids.end(), symbols.begin(), symbols.end());
  }
  std::optional<std::string> IdToToken(int64_t id) const override { return vocab_.Token(id); }
  std::optional<int64_t> TokenToId(const std::string& t) const override { return vocab_.Find(t); }
  size_t vocab_size() const override { return vocab_.ids.size(); }

 private:
  BpeModel() = default;
  static uint64_t Key(int64_t a, int64_t b) { return (static_cast<uint64_t>(a) << 32) | static_cast<uint64_t>(b); }

  Vocab vocab_;
  std::unordered_map<uint64_t, std::pair<int64_t, int64_t>> merges_;  // (a, b) -> (rank, merged id)
  std::string prefix_, suffix_;
  std::optional<int64_t> unk_;
  bool fuse_unk_ = false, ignore_merges_ = false;
};

}  // namespace

Result<std::unique_ptr<TokenizerModel>> MakeTokenizerModel(const json& m, const std::string& where,
                                                          const TokenizerOptions& options) {
  const std::string type = m.contains("type") && m["type"].is_string() ? m["type"].get<std::string>() : "";
  if (type == "WordPiece") {
    PANIC_ASSIGN_OR_RETURN(Vocab vocab, Vocab::FromObject(m.value("vocab", json()), where));
    const std::string unk = m.value("unk_token", "[UNK]");
    const auto unk_id = vocab.Find(unk);
    if (!unk_id) return Bad(where, "WordPiece unk_token '" + unk + "' is not in the vocabulary");
    return std::unique_ptr<TokenizerModel>(std::make_unique<WordPieceModel>(
        std::move(vocab), *unk_id, m.value("continuing_subword_prefix", "##"),
        static_cast<size_t>(m.value("max_input_chars_per_word", 100))));
  }
  if (type == "Unigram") return UnigramModel::Make(m, where, options.unigram_ties_to_last);
  if (type == "BPE" || (type.empty() && m.contains("merges"))) return BpeModel::Make(m, where);
  return Bad(where, "type '" + type + "' is not supported (WordPiece, Unigram, BPE)");
}

}  // namespace panic::models::onnx
