#include "data/text_embed_cache.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <map>
#include <unordered_set>
#include <utility>

#include "core/error.h"
#include "core/progress.h"
#include "data/cache_key.h"
#include "models/text/prompt_encoder.h"

namespace reel {
namespace {

// Bumped whenever what an entry holds or how it is computed changes.
const char kFormat[] = "reel text embeds v1";

// A caption short enough for a message.
std::string quoted(const std::string& caption) {
  constexpr size_t kMax = 60;
  return "\"" + (caption.size() > kMax ? caption.substr(0, kMax) + "..." : caption) + "\"";
}

}  // namespace

TextEmbedCache::TextEmbedCache(TextEmbedCacheSettings settings)
    : settings_(std::move(settings)), cache_(settings_.dir, settings_.compress) {}

std::string TextEmbedCache::entry_name(const std::string& caption) const {
  return cache_key({caption, std::to_string(settings_.text_len)});
}

namespace {

std::string entry_key(const TextEmbedCacheSettings& s, const std::string& caption) {
  return cache_key({kFormat, caption, s.encoder_identity, std::to_string(s.text_len)});
}

}  // namespace

std::vector<std::string> TextEmbedCache::missing(const std::vector<std::string>& captions) const {
  std::vector<std::string> todo;
  std::unordered_set<std::string> seen;
  for (const std::string& c : captions) {
    if (!seen.insert(c).second) continue;
    if (cache_.state(entry_name(c), entry_key(settings_, c)) != CacheState::kValid) {
      todo.push_back(c);
    }
  }
  return todo;
}

CacheFill TextEmbedCache::fill(const std::vector<std::string>& captions,
                               const PromptEncoder& encoder) const {
  CacheFill result;
  std::vector<std::string> distinct;
  std::unordered_set<std::string> seen;
  for (const std::string& c : captions) {
    if (seen.insert(c).second) distinct.push_back(c);
  }
  if (distinct.empty()) return result;
  const size_t batch = static_cast<size_t>(std::max(1, settings_.write_batch_size));

  Progress progress("encoding captions", static_cast<int64_t>(distinct.size()), "caption");
  for (size_t start = 0; start < distinct.size(); start += batch) {
    const std::vector<std::string> prompts(
        distinct.begin() + static_cast<std::ptrdiff_t>(start),
        distinct.begin() + static_cast<std::ptrdiff_t>(std::min(distinct.size(), start + batch)));
    c10::InferenceMode inference;
    const PromptEmbeddings e = encoder.encode_prompts(prompts, settings_.text_len);
    const at::Tensor embeds = e.prompt_embeds.to(at::kCPU, at::kFloat);
    const at::Tensor masks = e.attention_mask.to(at::kCPU, at::kLong);
    const at::Tensor seq_lens = e.seq_lens.to(at::kCPU, at::kLong);
    for (size_t i = 0; i < prompts.size(); ++i) {
      const int64_t b = static_cast<int64_t>(i);
      const int64_t seq_len = seq_lens[b].item<int64_t>();
      // Only the real rows: the rest are zero by construction and load() restores them.
      const std::vector<std::pair<std::string, at::Tensor>> tensors = {
          {"prompt_embeds", embeds[b].narrow(0, 0, seq_len).contiguous()},
          {"attention_mask", masks[b].contiguous()}};
      cache_.write(entry_name(prompts[i]), entry_key(settings_, prompts[i]), tensors,
                   {{"caption", prompts[i]}, {"seq_len", std::to_string(seq_len)}});
      ++result.encoded;
      progress.advance();
    }
  }
  progress.finish();
  return result;
}

TextEmbedding TextEmbedCache::load(const std::string& caption) const {
  const std::string name = entry_name(caption);
  CacheEntry entry;
  try {
    entry = cache_.read(name);
  } catch (Error& e) {
    e.key("caption " + quoted(caption));
    throw;
  }
  const at::Tensor& embeds = entry.get("prompt_embeds");
  const at::Tensor& mask = entry.get("attention_mask");
  const int64_t text_len = settings_.text_len;
  if (embeds.dim() != 2 || embeds.size(0) > text_len || mask.dim() != 1 ||
      mask.size(0) != text_len) {
    throw Error("the cached embedding has prompt_embeds " + std::to_string(embeds.dim()) +
                "-d with " + std::to_string(embeds.dim() > 0 ? embeds.size(0) : 0) +
                " rows and an attention_mask of " + std::to_string(mask.numel()) +
                " values; expected at most " + std::to_string(text_len) + " rows and " +
                std::to_string(text_len) + " values")
        .file(cache_.path_for(name).string())
        .key("caption " + quoted(caption))
        .hint("delete the file; the next cache pass rebuilds it");
  }
  TextEmbedding out;
  out.prompt_embeds = at::zeros({text_len, embeds.size(1)}, embeds.options().dtype(at::kFloat));
  out.prompt_embeds.narrow(0, 0, embeds.size(0)).copy_(embeds);
  out.attention_mask = mask.to(at::kLong).clone();
  return out;
}

}  // namespace reel
