// The text-embedding cache (spec/dataloader.md §5): one entry per distinct caption, holding
// `prompt_embeds` [seq_len, D] (the rows of the prompt's pieces and </s>; the rest are zero
// and not stored) and `attention_mask` [text_len] (1 for those rows, 0 after). load() gives
// back the padded [text_len, D] tensor that PromptEncoder::encode_prompts returns. Entries are
// named by the caption and keyed by the caption, the text encoder and text_len.
//
//   TextEmbedCache cache({.dir = "cache/text/wan", .encoder_identity = model_identity(t5)});
//   std::vector<std::string> todo = cache.missing(captions);
//   if (!todo.empty()) cache.fill(todo, PromptEncoder::load(...));
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/cache_fill.h"
#include "data/tensor_cache.h"

namespace reel {

class PromptEncoder;

struct TextEmbedCacheSettings {
  std::filesystem::path dir;
  bool compress = true;
  int write_batch_size = 128;  // captions encoded together
  std::string encoder_identity;
  int64_t text_len = 512;
};

struct TextEmbedding {
  at::Tensor prompt_embeds;   // [text_len, D] float32, rows >= seq_len zero
  at::Tensor attention_mask;  // [text_len] int64
};

class TextEmbedCache {
 public:
  explicit TextEmbedCache(TextEmbedCacheSettings settings);

  const TextEmbedCacheSettings& settings() const { return settings_; }
  std::string entry_name(const std::string& caption) const;

  // The distinct captions without a valid entry, in first-seen order.
  std::vector<std::string> missing(const std::vector<std::string>& captions) const;
  // Encodes and writes them in batches of write_batch_size, showing progress.
  CacheFill fill(const std::vector<std::string>& captions, const PromptEncoder& encoder) const;
  // Throws reel::Error naming the caption's file when it is missing or corrupt.
  TextEmbedding load(const std::string& caption) const;

  uint64_t disk_bytes() const { return cache_.disk_bytes(); }

 private:
  TextEmbedCacheSettings settings_;
  TensorCache cache_;
};

}  // namespace reel
