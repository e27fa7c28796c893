// A Hugging Face `tokenizer.json` (the format of the `tokenizers` library), read and run
// natively: the text-embedding, captioning and text-to-image models' tokenizers.
//
// Supported, as the `tokenizers` library defines them (docs/ONNX.md lists the details):
//   normalizers     BertNormalizer, NFC, NFD, NFKC, Lowercase, StripAccents, Strip, Prepend,
//                   Replace (a string, or the regex \s+), Precompiled (read as NFKC), Sequence
//   pre-tokenizers  BertPreTokenizer, Whitespace, WhitespaceSplit, Metaspace, ByteLevel,
//                   Punctuation, Digits, Split (CLIP's regex), Sequence
//   models          WordPiece, Unigram (SentencePiece), BPE (with byte-level, end-of-word
//                   suffix and continuing-subword prefix)
//   post-processors TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence
//   decoders        WordPiece, ByteLevel, Metaspace, BPEDecoder, Strip, Replace, Fuse, Sequence
// Added tokens are split out of the raw text first (literal matches, longest first). An
// unsupported component is an error at load, naming it, never a silent approximation
// (except Precompiled, whose SentencePiece character map is taken to be NFKC).
//
// Thread safety: immutable after loading; Encode and Decode may run on any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"
#include "panic/models/onnx/tokenizer_models.h"

namespace panic::models::onnx {

class HfTokenizer {
 public:
  // InvalidArgument naming the file and the component when it cannot be read or used.
  static Result<std::shared_ptr<const HfTokenizer>> LoadFile(const std::filesystem::path& path,
                                                             const TokenizerOptions& options = {});
  static Result<std::shared_ptr<const HfTokenizer>> FromJson(std::string_view json_text, const std::string& where,
                                                             const TokenizerOptions& options = {});
  ~HfTokenizer();

  // The ids of `utf8`; with `add_special_tokens`, wrapped as the post-processor says
  // ([CLS] … [SEP], <|startoftext|> … <|endoftext|>). With `max_tokens` > 0 the text's own
  // tokens are cut so that the whole sequence, special tokens included, fits.
  std::vector<int64_t> Encode(std::string_view utf8, bool add_special_tokens = true, int max_tokens = 0) const;
  // The text of `ids` (special tokens left out), as the decoder joins them.
  std::string Decode(std::span<const int64_t> ids) const;

  std::optional<int64_t> TokenId(std::string_view token) const;
  // The id the tokenizer.json pads with ("padding.pad_id"), if it says.
  std::optional<int64_t> PaddingId() const;
  size_t vocab_size() const;

  struct Impl;
  explicit HfTokenizer(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace panic::models::onnx
