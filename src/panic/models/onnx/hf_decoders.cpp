// tokenizer.json decoders (hf_components.h).
#include "panic/models/onnx/hf_components.h"

#include <utility>

#include "panic/core/utf8.h"
#include "panic/models/onnx/unicode_text.h"

namespace panic::models::onnx::hf {

namespace {

std::string ReplaceAll8(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) s.replace(at, from.size(), to);
  return s;
}

std::string CleanUpWordPiece(std::string s) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"}, {" 'm", "'m"},
           {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}}) {
    s = ReplaceAll8(std::move(s), from, to);
  }
  return s;
}

}  // namespace

Result<Decoder> MakeDecoder(const json& j, const std::string& where) {
  const std::string type = TypeOf(j);
  if (type == "Sequence") {
    std::vector<Decoder> parts;
    if (!j.contains("decoders") || !j["decoders"].is_array()) return Unsupported(where, "decoder Sequence", j);
    for (const auto& d : j["decoders"]) {
      PANIC_ASSIGN_OR_RETURN(Decoder part, MakeDecoder(d, where));
      parts.push_back(std::move(part));
    }
    return Decoder([parts](std::vector<std::string>& tokens) {
      for (const auto& p : parts) p(tokens);
    });
  }
  if (type == "WordPiece") {
    const std::string prefix = j.value("prefix", "##");
    const bool cleanup = Flag(j, "cleanup", true);
    return Decoder([prefix, cleanup](std::vector<std::string>& tokens) {
      for (size_t i = 0; i < tokens.size(); ++i) {
        std::string& t = tokens[i];
        if (i > 0 && t.compare(0, prefix.size(), prefix) == 0) {
          t = t.substr(prefix.size());
        } else if (i > 0) {
          t = " " + t;
        }
        if (cleanup) t = CleanUpWordPiece(std::move(t));
      }
    });
  }
  if (type == "ByteLevel") {
    return Decoder([](std::vector<std::string>& tokens) {
      std::string bytes;
      for (const auto& t : tokens) {
        for (char32_t c : DecodeUtf8(t)) {
          const int b = UnicodeToByte(c);
          if (b >= 0) {
            bytes += static_cast<char>(b);
          } else {
            AppendUtf8(c, bytes);
          }
        }
      }
      tokens.assign(1, EncodeUtf8(DecodeUtf8(bytes)));  // ill-formed UTF-8 becomes U+FFFD
    });
  }
  if (type == "Metaspace") {
    const std::string replacement = j.value("replacement", "\u2581");
    const bool strip_first = j.value("prepend_scheme", Flag(j, "add_prefix_space", true) ? "always" : "never") != "never";
    return Decoder([replacement, strip_first](std::vector<std::string>& tokens) {
      for (size_t i = 0; i < tokens.size(); ++i) {
        tokens[i] = ReplaceAll8(tokens[i], replacement, " ");
        if (i == 0 && strip_first && !tokens[i].empty() && tokens[i][0] == ' ') tokens[i].erase(0, 1);
      }
    });
  }
  if (type == "BPEDecoder") {
    const std::string suffix = j.value("suffix", "</w>");
    return Decoder([suffix](std::vector<std::string>& tokens) {
      for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = ReplaceAll8(tokens[i], suffix, i + 1 == tokens.size() ? "" : " ");
    });
  }
  if (type == "Fuse") {
    return Decoder([](std::vector<std::string>& tokens) {
      std::string all;
      for (const auto& t : tokens) all += t;
      tokens.assign(1, all);
    });
  }
  if (type == "Replace" && j.contains("pattern") && j["pattern"].contains("String")) {
    const std::string from = j["pattern"]["String"].get<std::string>(), to = j.value("content", "");
    return Decoder([from, to](std::vector<std::string>& tokens) {
      for (auto& t : tokens) t = ReplaceAll8(t, from, to);
    });
  }
  if (type == "Strip") {
    const std::string content = j.value("content", " ");
    const int start = j.value("start", 0), stop = j.value("stop", 0);
    return Decoder([content, start, stop](std::vector<std::string>& tokens) {
      for (auto& t : tokens) {
        for (int k = 0; k < start && t.compare(0, content.size(), content) == 0; ++k) t.erase(0, content.size());
        for (int k = 0; k < stop && t.size() >= content.size() &&
                        t.compare(t.size() - content.size(), content.size(), content) == 0;
             ++k) {
          t.erase(t.size() - content.size());
        }
      }
    });
  }
  return Unsupported(where, "decoder '" + type + "'", j);
}

}  // namespace panic::models::onnx::hf
