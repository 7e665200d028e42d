// The "prepare" stage of design.md's flow, shared by `reel cache` and the trainer's start-up:
// scan every dataset, then fill the text-embedding, latent and (image-to-video with CLIP)
// image-embedding caches. Each encoder is loaded only when some entry is missing, runs over
// everything missing in every dataset, and is freed before the next one is loaded, so the
// peak memory is one encoder's. A second run with nothing changed loads no encoder.
//
// A dataset that cannot be used (no samples, a missing folder) is reported in its entry and
// the others go on; bad files are skipped and listed, never fatal.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/dataset_config.h"
#include "data/cache_fill.h"
#include "data/dataset_scan.h"

namespace reel {

// The encoders, as local paths (models/model_source.h resolves hub ids).
struct CacheEncoders {
  std::filesystem::path vae;
  std::filesystem::path tokenizer;      // a folder with spiece.model, or a pipeline folder
  std::filesystem::path text_encoder;   // a pipeline folder, text_encoder/ or a weights file
  std::filesystem::path image_encoder;  // CLIP vision; empty when the model takes no CLIP
};

struct PrepareSettings {
  CacheEncoders encoders;
  bool image_to_video = false;  // i2v flavours: first_frame_latents, CLIP embeds if any
  bool compress = true;         // compress_disk_cache
  int vae_batch_size = 4;
  int64_t text_len = 512;
  ScanOptions scan;  // shared settings; metadata_path and min_bucket_samples set per dataset
  int64_t world_size = 1;
  int64_t gradient_accumulation_steps = 1;
  // Prompts cached in the default text_embeds entry besides the captions (validation prompts);
  // the empty caption (caption dropout) is always cached there.
  std::vector<std::string> extra_prompts;
  std::string cache_dir = "cache";  // global root of the default image-embed cache folders
  at::Device device = at::kCPU;
  at::ScalarType vae_dtype = at::kFloat;
  at::ScalarType text_dtype = at::kFloat;
};

struct DatasetPreparation {
  const DatasetConfig* config = nullptr;
  DatasetScan scan;
  std::string error;                        // why the dataset cannot be used; empty when it can
  std::string latent_dir, image_embed_dir;  // empty when that cache is not used
  int64_t latents_encoded = 0, image_embeds_encoded = 0;
  bool latents_deferred = false;  // vae_cache_ondemand / vae_cache_disable: left to training
  uint64_t latent_bytes = 0, image_embed_bytes = 0;
};

struct TextEmbedPreparation {
  const DatasetConfig* config = nullptr;
  int64_t captions = 0;  // distinct captions this cache holds for the run
  int64_t encoded = 0;
  uint64_t bytes = 0;
};

struct Preparation {
  std::vector<DatasetPreparation> datasets;  // enabled image/video datasets, in file order
  std::vector<TextEmbedPreparation> text_embeds;
  bool ok() const;  // every dataset usable
};

Preparation prepare_caches(const DatasetConfigs& datasets, const PrepareSettings& settings);

// Where a dataset's metadata cache lives: beside its latents, since instance_data_dir may be
// read-only.
std::filesystem::path metadata_cache_path(const DatasetConfig& dataset);
// The CLIP image-embed cache folder of an I2V dataset (spec/dataloader.md §1).
std::filesystem::path image_embed_cache_dir(const DatasetConfig& dataset, const DatasetConfigs& all,
                                            const std::string& cache_dir);

}  // namespace reel
