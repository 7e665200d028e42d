// Discovery for one dataset of a multidatabackend.json: list the media files under
// instance_data_dir, probe each (or take it from the metadata cache when its identity is
// unchanged), drop what the dataset's filters reject, give each survivor its bucket, geometry,
// clip length and captions, and drop buckets too small for one batch
// (spec/dataloader.md §2-§4, §6). Bad files are reported and skipped, never thrown: a scan of
// ten thousand clips is not lost to one broken file.
//
//   DatasetScan scan = scan_dataset(dataset, options);
//   for (const Sample& s : scan.samples) ...;
//   for (const SkippedFile& f : scan.skipped) ...;
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/dataset_config.h"
#include "data/sample.h"

namespace reel {

struct ScanOptions {
  int aspect_bucket_alignment = 32;  // Wan: 32 (64 for ti2v-5b)
  int aspect_bucket_rounding = 2;
  uint64_t seed = 0;  // random crops and random instance prompts are seeded from it
  // Samples one optimizer step takes from a bucket: train_batch_size x world size x
  // gradient_accumulation_steps; smaller buckets are dropped (kSmallBucket) with a warning.
  int64_t min_bucket_samples = 1;
  bool allow_dataset_oversubscription = false;
  bool disable_bucket_pruning = false;
  // The metadata cache file; empty = none (probe everything, write nothing).
  std::filesystem::path metadata_path;
  // Replaces probe_media (tests count probes with it).
  std::function<MediaInfo(const std::filesystem::path&)> probe;
  bool show_progress = true;
};

struct DatasetScan {
  std::string dataset_id;
  int64_t files_found = 0;
  int64_t probed = 0;           // probed this time; the rest came from the metadata cache
  std::vector<Sample> samples;  // sorted by relative_path
  std::vector<SkippedFile> skipped;
  std::map<std::string, int64_t> bucket_counts;  // bucket -> samples
};

// Throws reel::Error only for what makes the whole dataset unusable: a missing
// instance_data_dir, or no sample left ("no samples detected in dataset <id>" with the
// arithmetic and the advice the spec gives). Unreadable files are deleted when
// delete_problematic_images is set.
DatasetScan scan_dataset(const DatasetConfig& dataset, const ScanOptions& options);

}  // namespace reel
