// Prompts -> the text embeddings Wan's transformer takes, as the official
// `T5EncoderModel.__call__` + `WanModel.forward` and diffusers' `_get_t5_prompt_embeds` do:
// tokenize (umt5_tokenizer.h), run the encoder over all text_len positions, keep each prompt's
// first seq_len rows (its pieces and </s>) and zero the rest.
//
//   PromptEncoder encoder = PromptEncoder::load("Wan2.1-T2V-1.3B-Diffusers", {});
//   PromptEmbeddings e = encoder.encode_prompts({"a cat playing piano"});
//   // e.prompt_embeds: [1, 512, 4096] float32
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "models/text/umt5_encoder.h"
#include "models/text/umt5_encoder_loader.h"
#include "models/text/umt5_tokenizer.h"

namespace reel {

struct PromptEmbeddings {
  at::Tensor input_ids;       // [N, text_len] int64
  at::Tensor attention_mask;  // [N, text_len] int64
  at::Tensor seq_lens;        // [N] int64
  at::Tensor prompt_embeds;   // [N, text_len, d_model] float32; rows >= seq_len are 0
};

// Rows at and after each prompt's seq_len set to 0 (hidden: [N, L, D], seq_lens: [N]).
at::Tensor trim_and_pad(const at::Tensor& hidden, const at::Tensor& seq_lens);

class PromptEncoder {
 public:
  PromptEncoder(Umt5Tokenizer tokenizer, Umt5Encoder encoder);

  // `tokenizer`: the tokenizer folder (or spiece.model); `text_encoder`: anything
  // load_umt5_encoder accepts. For a diffusers pipeline folder pass it as both.
  static PromptEncoder load(const std::filesystem::path& tokenizer,
                            const std::filesystem::path& text_encoder,
                            const Umt5LoadOptions& options = {});

  // compute_dtype: kFloat, or kBFloat16 as the official code runs it (norms in float32).
  PromptEmbeddings encode_prompts(const std::vector<std::string>& prompts, int64_t text_len = 512,
                                  const Umt5RunOptions& run = {}) const;

  const Umt5Tokenizer& tokenizer() const { return tokenizer_; }
  const Umt5Encoder& encoder() const { return encoder_; }
  Umt5Encoder& encoder() { return encoder_; }

 private:
  Umt5Tokenizer tokenizer_;
  Umt5Encoder encoder_;
};

}  // namespace reel
