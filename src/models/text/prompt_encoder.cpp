#include "models/text/prompt_encoder.h"

#include <ATen/ATen.h>

#include <utility>

#include "core/error.h"

namespace reel {

at::Tensor trim_and_pad(const at::Tensor& hidden, const at::Tensor& seq_lens) {
  if (hidden.dim() != 3 || seq_lens.dim() != 1 || seq_lens.size(0) != hidden.size(0)) {
    throw Error("trim_and_pad: hidden must be [N, L, D] and seq_lens [N]");
  }
  const at::Tensor positions =
      at::arange(hidden.size(1), at::TensorOptions().dtype(at::kLong).device(hidden.device()));
  const at::Tensor keep = positions.unsqueeze(0).lt(seq_lens.to(hidden.device()).unsqueeze(1));
  return at::where(keep.unsqueeze(-1), hidden, at::zeros({}, hidden.options()));
}

PromptEncoder::PromptEncoder(Umt5Tokenizer tokenizer, Umt5Encoder encoder)
    : tokenizer_(std::move(tokenizer)), encoder_(std::move(encoder)) {}

PromptEncoder PromptEncoder::load(const std::filesystem::path& tokenizer,
                                  const std::filesystem::path& text_encoder,
                                  const Umt5LoadOptions& options) {
  Umt5Tokenizer tok = Umt5Tokenizer::load(tokenizer);
  Umt5Encoder enc = load_umt5_encoder(text_encoder, options);
  if (tok.vocab_size() > enc.config().vocab_size) {
    throw Error("the tokenizer has " + std::to_string(tok.vocab_size()) +
                " pieces but the text encoder only " + std::to_string(enc.config().vocab_size) +
                " embedding rows")
        .file(text_encoder.string())
        .hint("use the tokenizer that belongs to this text encoder");
  }
  return PromptEncoder(std::move(tok), std::move(enc));
}

PromptEmbeddings PromptEncoder::encode_prompts(const std::vector<std::string>& prompts,
                                               int64_t text_len, const Umt5RunOptions& run) const {
  TokenizedPrompts t = tokenizer_.encode(prompts, text_len);
  PromptEmbeddings e;
  const at::Tensor hidden = encoder_.forward(t.input_ids, t.attention_mask, run);
  e.prompt_embeds = trim_and_pad(hidden, t.seq_lens);
  e.input_ids = std::move(t.input_ids);
  e.attention_mask = std::move(t.attention_mask);
  e.seq_lens = std::move(t.seq_lens);
  return e;
}

}  // namespace reel
