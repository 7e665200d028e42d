// The UMT5 tokenizer as Wan uses it (official `HuggingfaceTokenizer(clean='whitespace')`,
// diffusers' `prompt_clean` + T5Tokenizer): the prompt is cleaned, split into sentencepiece
// pieces (libsentencepiece, which reads its normaliser from spiece.model), truncated on the
// right to text_len - 1 pieces, followed by </s> (always kept) and padded with 0.
//
//   Umt5Tokenizer tokenizer = Umt5Tokenizer::load("Wan2.1-T2V-1.3B-Diffusers/tokenizer");
//   TokenizedPrompts t = tokenizer.encode({"a cat", ""}, 512);  // t.input_ids: [2, 512]
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace reel {

struct TokenizedPrompts {
  at::Tensor input_ids;       // [N, text_len] int64: pieces, </s>, then 0
  at::Tensor attention_mask;  // [N, text_len] int64: 1 for the pieces and </s>, else 0
  at::Tensor seq_lens;        // [N] int64: pieces + 1 (the empty prompt: 1)
};

// What the pipeline does to a prompt before tokenizing: ftfy.fix_text, html.unescape twice,
// strip, every run of Unicode whitespace -> one space, strip. Of ftfy only its quote
// uncurling is done (U+02BC, U+2018-U+201B -> ', U+201C-U+201F -> "; `uncurl_quotes`); its
// other fixes (mojibake, control characters, NFC, full-width ASCII) are not, the last two
// being done by the tokenizer's NFKC anyway. html.unescape knows numeric references (with
// Python's replacements for invalid code points) and a common subset of HTML5's named
// entities (umt5_tokenizer.cpp lists them).
std::string clean_prompt(const std::string& text, bool uncurl_quotes = true);
// Python's html.unescape, with the limits said above.
std::string html_unescape(const std::string& text);

class Umt5Tokenizer {
 public:
  // `path`: a tokenizer folder holding spiece.model, or the .model file itself. Throws
  // reel::Error naming the path when it cannot be read.
  static Umt5Tokenizer load(const std::filesystem::path& path);

  Umt5Tokenizer(Umt5Tokenizer&&) noexcept;
  Umt5Tokenizer& operator=(Umt5Tokenizer&&) noexcept;
  ~Umt5Tokenizer();

  // Sentencepiece ids of an already cleaned text (no </s>, no truncation).
  std::vector<int64_t> piece_ids(const std::string& cleaned) const;
  // The pieces themselves (for `reel debug encode-prompt`).
  std::vector<std::string> pieces(const std::string& cleaned) const;
  // Cleans, tokenizes, truncates, appends </s> and pads every prompt. text_len >= 1.
  TokenizedPrompts encode(const std::vector<std::string>& prompts, int64_t text_len = 512) const;

  int64_t vocab_size() const;
  int64_t eos_id() const { return 1; }
  int64_t pad_id() const { return 0; }
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Impl;
  Umt5Tokenizer(std::filesystem::path path, std::unique_ptr<Impl> impl);
  std::filesystem::path path_;
  std::unique_ptr<Impl> impl_;
};

// A human-readable account of how `prompt` is tokenized (cleaned text, pieces, ids, the
// padded length), for `reel debug encode-prompt`; `tokenizer` as for Umt5Tokenizer::load.
std::string describe_tokenization(const std::filesystem::path& tokenizer, const std::string& prompt,
                                  int64_t text_len = 512);

}  // namespace reel
