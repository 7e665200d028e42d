#include "data/prepare_caches.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/log.h"
#include "core/release_memory.h"
#include "data/cache_key.h"
#include "data/image_embed_cache.h"
#include "data/latent_cache.h"
#include "data/metadata_cache.h"
#include "data/text_embed_cache.h"
#include "models/component_path.h"
#include "models/text/prompt_encoder.h"
#include "models/vision/clip_image_preprocess.h"
#include "models/vision/clip_vision_loader.h"
#include "models/wan/wan_vae_loader.h"

namespace reel {
namespace fs = std::filesystem;
namespace {

// The weights and the dtype they run in: both change what an encoder writes.
std::string encoder_identity(const fs::path& weights, at::ScalarType dtype) {
  return model_identity(weights) + "/" + c10::toString(dtype);
}

bool has_samples(const DatasetPreparation& d) {
  return d.error.empty() && !d.scan.samples.empty();
}

LatentCache latent_cache(const DatasetPreparation& d, const PrepareSettings& s,
                         const std::string& vae_identity) {
  return LatentCache({d.latent_dir, s.compress, s.vae_batch_size, vae_identity, s.image_to_video});
}

DatasetPreparation scan(const DatasetConfig& dataset, const PrepareSettings& s) {
  DatasetPreparation d;
  d.config = &dataset;
  d.scan.dataset_id = dataset.id;
  ScanOptions options = s.scan;
  options.metadata_path = metadata_cache_path(dataset);
  options.min_bucket_samples =
      int64_t{dataset.train_batch_size} * s.world_size * s.gradient_accumulation_steps;
  try {
    d.scan = scan_dataset(dataset, options);
  } catch (const Error& e) {
    d.error = e.what();
    log::error("dataset ", dataset.id, ": ", e.what());
  }
  return d;
}

// The captions of every dataset, grouped by the text_embeds entry they are cached in.
std::map<std::string, std::vector<std::string>> captions_by_cache(
    const std::vector<DatasetPreparation>& prepared, const DatasetConfigs& all,
    const PrepareSettings& s) {
  std::map<std::string, std::vector<std::string>> by_id;
  if (const DatasetConfig* def = all.default_text_embeds()) {
    auto& list = by_id[def->id];
    list.push_back("");  // caption dropout trains on the empty prompt's embedding
    list.insert(list.end(), s.extra_prompts.begin(), s.extra_prompts.end());
  }
  for (const DatasetPreparation& d : prepared) {
    if (!has_samples(d)) continue;
    auto& list = by_id[d.config->text_embeds];
    for (const Sample& sample : d.scan.samples)
      list.insert(list.end(), sample.captions.begin(), sample.captions.end());
  }
  return by_id;
}

void prepare_text_embeds(Preparation& out, const DatasetConfigs& all, const PrepareSettings& s) {
  const std::string identity = encoder_identity(s.encoders.text_encoder, s.text_dtype);
  std::vector<std::pair<TextEmbedCache, std::vector<std::string>>> todo;
  for (auto& [id, captions] : captions_by_cache(out.datasets, all, s)) {
    const DatasetConfig* entry = all.find(id);
    if (!entry) throw Error("text_embeds entry '" + id + "' is not defined").key("text_embeds");
    TextEmbedCache cache(
        {entry->cache_dir, s.compress, entry->write_batch_size, identity, s.text_len});
    TextEmbedPreparation report;
    report.config = entry;
    report.captions =
        static_cast<int64_t>(std::set<std::string>(captions.begin(), captions.end()).size());
    std::vector<std::string> missing = cache.missing(captions);
    report.encoded = static_cast<int64_t>(missing.size());
    out.text_embeds.push_back(report);
    if (!missing.empty()) todo.emplace_back(std::move(cache), std::move(missing));
  }
  if (!todo.empty()) {
    log::info("loading the text encoder from ", s.encoders.text_encoder.string());
    Umt5LoadOptions load;
    load.dtype = s.text_dtype;
    load.device = s.device;
    PromptEncoder encoder =
        PromptEncoder::load(s.encoders.tokenizer, s.encoders.text_encoder, load);
    for (auto& [cache, captions] : todo) cache.fill(captions, encoder);
  }
  release_free_memory();
  for (TextEmbedPreparation& t : out.text_embeds) {
    t.bytes =
        TextEmbedCache({t.config->cache_dir, s.compress, 1, identity, s.text_len}).disk_bytes();
  }
}

// Failed samples leave the run; the metadata cache remembers them, so the next run skips them
// without decoding them again.
void record_failures(DatasetPreparation& d, const CacheFill& fill) {
  remember_decode_failures(metadata_cache_path(*d.config), d.config->id, d.scan.samples,
                           fill.failed);
  d.scan.skipped.insert(d.scan.skipped.end(), fill.failed.begin(), fill.failed.end());
  std::set<std::string> failed;
  for (const SkippedFile& f : fill.failed) failed.insert(f.path);
  if (failed.empty()) return;
  auto& samples = d.scan.samples;
  samples.erase(std::remove_if(samples.begin(), samples.end(),
                               [&](const Sample& x) { return failed.count(x.file.path) > 0; }),
                samples.end());
  d.scan.bucket_counts.clear();
  for (const Sample& x : samples) ++d.scan.bucket_counts[x.bucket];
  if (samples.empty()) {
    d.error = "no samples detected in dataset " + d.config->id +
              ": every sample left after the "
              "scan failed to decode (listed above as skipped)";
    log::error(d.error);
  }
}

void prepare_latents(Preparation& out, const PrepareSettings& s) {
  const std::string identity = encoder_identity(s.encoders.vae, s.vae_dtype);
  std::vector<std::pair<DatasetPreparation*, std::vector<const Sample*>>> todo;
  for (DatasetPreparation& d : out.datasets) {
    if (!has_samples(d)) continue;
    if (d.config->vae_cache_disable || d.config->vae_cache_ondemand) {
      d.latents_deferred = true;
      log::info("dataset ", d.config->id, ": latents are encoded during training (",
                d.config->vae_cache_disable ? "vae_cache_disable" : "vae_cache_ondemand", ")");
      continue;
    }
    d.latent_dir = d.config->cache_dir_vae;
    std::vector<const Sample*> missing = latent_cache(d, s, identity).missing(d.scan.samples);
    if (!missing.empty()) todo.emplace_back(&d, std::move(missing));
  }
  if (!todo.empty()) {
    log::info("loading the VAE from ", s.encoders.vae.string());
    WanVae vae = load_wan_vae(s.encoders.vae, s.vae_dtype, s.device);
    for (auto& [d, samples] : todo) {
      CacheFill fill = latent_cache(*d, s, identity).fill(samples, vae);
      d->latents_encoded = fill.encoded;
      record_failures(*d, fill);
    }
  }
  release_free_memory();
  for (DatasetPreparation& d : out.datasets) {
    if (!d.latent_dir.empty()) d.latent_bytes = latent_cache(d, s, identity).disk_bytes();
  }
}

void prepare_image_embeds(Preparation& out, const DatasetConfigs& all, const PrepareSettings& s) {
  if (!s.image_to_video || s.encoders.image_encoder.empty()) return;
  const std::string identity = encoder_identity(s.encoders.image_encoder, s.text_dtype);
  auto cache_of = [&](const DatasetPreparation& d) {
    return ImageEmbedCache({d.image_embed_dir, s.compress, s.vae_batch_size, identity});
  };
  std::vector<std::pair<DatasetPreparation*, std::vector<const Sample*>>> todo;
  for (DatasetPreparation& d : out.datasets) {
    if (!has_samples(d)) continue;
    d.image_embed_dir = image_embed_cache_dir(*d.config, all, s.cache_dir).string();
    std::vector<const Sample*> missing = cache_of(d).missing(d.scan.samples);
    if (!missing.empty()) todo.emplace_back(&d, std::move(missing));
  }
  if (!todo.empty()) {
    log::info("loading the image encoder from ", s.encoders.image_encoder.string());
    ClipVisionLoadOptions load;
    load.dtype = s.text_dtype;
    load.device = s.device;
    ClipVisionModel clip = load_clip_vision(s.encoders.image_encoder, load);
    const ClipPreprocessConfig preprocess =
        clip_preprocess_config_for(s.encoders.image_encoder, clip);
    for (auto& [d, samples] : todo) {
      CacheFill fill = cache_of(*d).fill(samples, clip, preprocess);
      d->image_embeds_encoded = fill.encoded;
      record_failures(*d, fill);
    }
  }
  release_free_memory();
  for (DatasetPreparation& d : out.datasets) {
    if (!d.image_embed_dir.empty()) d.image_embed_bytes = cache_of(d).disk_bytes();
  }
}

}  // namespace

bool Preparation::ok() const {
  for (const DatasetPreparation& d : datasets)
    if (!d.error.empty()) return false;
  return true;
}

fs::path metadata_cache_path(const DatasetConfig& dataset) {
  return fs::path(dataset.cache_dir_vae) / ("metadata_" + dataset.id + ".json");
}

fs::path image_embed_cache_dir(const DatasetConfig& dataset, const DatasetConfigs& all,
                               const std::string& cache_dir) {
  if (!dataset.cache_dir_conditioning_image_embeds.empty())
    return dataset.cache_dir_conditioning_image_embeds;
  if (!dataset.conditioning_image_embeds.empty()) {
    if (const DatasetConfig* entry = all.find(dataset.conditioning_image_embeds))
      return fs::path(entry->cache_dir) / dataset.id;
  }
  return fs::path(cache_dir.empty() ? "cache" : cache_dir) / "conditioning_image_embeds" /
         dataset.id;
}

Preparation prepare_caches(const DatasetConfigs& datasets, const PrepareSettings& settings) {
  c10::InferenceMode no_grad;
  Preparation out;
  for (const DatasetConfig& dataset : datasets.entries) {
    if (dataset.disabled || !holds_samples(dataset.dataset_type) ||
        dataset.dataset_type == DatasetType::kConditioning)
      continue;
    out.datasets.push_back(scan(dataset, settings));
  }
  prepare_text_embeds(out, datasets, settings);
  prepare_latents(out, settings);
  prepare_image_embeds(out, datasets, settings);
  return out;
}

}  // namespace reel
