// One entry of a SimpleTuner-style multidatabackend.json, typed, checked and with its defaults
// resolved (spec/dataloader.md §1). dataset_config_loader.h builds these; the data pipeline
// reads them and never looks at the JSON again.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace reel {

// ST's other dataset types (audio, caption, distillation_cache) are rejected by the loader.
enum class DatasetType {
  kImage,
  kVideo,
  kConditioning,
  kEval,
  kTextEmbeds,
  kImageEmbeds,
  kConditioningImageEmbeds,
};
enum class ResolutionType { kPixel, kArea, kPixelArea };
enum class CaptionStrategy { kFilename, kTextfile, kInstancePrompt };
enum class CropStyle { kRandom, kCorner, kCenter, kFace };  // "centre" reads as kCenter
enum class CropAspect { kSquare, kPreserve, kRandom, kClosest };
enum class BucketStrategy { kAspectRatio, kResolutionFrames };
enum class VaeCacheScanBehaviour { kRecreate, kSync };

// The spellings used in the JSON ("text_embeds", "pixel_area", "instanceprompt", ...).
const char* to_string(DatasetType t);
const char* to_string(ResolutionType t);
const char* to_string(CaptionStrategy s);
const char* to_string(CropStyle s);
const char* to_string(CropAspect a);
const char* to_string(BucketStrategy s);
const char* to_string(VaeCacheScanBehaviour b);

// Datasets that hold samples (and so an instance_data_dir), as opposed to cache entries.
bool holds_samples(DatasetType t);

struct CropAspectBucket {
  double aspect = 1.0;
  std::optional<double> weight;  // unset when the bucket was written as a bare number
};

// Rounds a frame count down to 4k+1, the clip lengths the Wan VAE encodes (75 → 73, 77 → 77).
int round_frames_down_4k1(int frames);

struct VideoConfig {
  int num_frames = 0;  // rounded down to 4k+1
  int min_frames = 0;  // rounded down to 4k+1; never below num_frames
  std::optional<int> max_frames;
  bool is_i2v = false;  // forced on for i2v-* flavours
  BucketStrategy bucket_strategy = BucketStrategy::kAspectRatio;
  std::optional<int> frame_interval;  // only read with kResolutionFrames
};

struct DatasetConfig {
  // Where it came from, for messages: the file (or the name given to the loader) and the
  // position in its array, counted from 0.
  std::string source;
  size_t index = 0;

  std::string id;
  std::string type = "local";  // storage backend; Reel reads only local folders
  DatasetType dataset_type = DatasetType::kImage;
  bool disabled = false;
  bool is_default = false;  // `default`: text_embeds entry for validation prompts and dropout

  // Samples and captions.
  std::string instance_data_dir;  // as written; relative paths resolve against the cwd
  CaptionStrategy caption_strategy = CaptionStrategy::kFilename;
  std::vector<std::string> instance_prompt;  // empty: none; several: one chosen per sample
  bool prepend_instance_prompt = false;
  bool disable_multiline_split = false;

  // Size filters and buckets, in the unit of resolution_type as written (pixel_area is
  // converted to area by the bucketing code, §2).
  double resolution = 1024;
  ResolutionType resolution_type = ResolutionType::kPixelArea;
  std::optional<double> minimum_image_size;
  std::optional<double> maximum_image_size;
  std::optional<double> target_downsample_size;
  std::optional<double> minimum_aspect_ratio;
  std::optional<double> maximum_aspect_ratio;
  bool crop = false;
  CropStyle crop_style = CropStyle::kRandom;
  CropAspect crop_aspect = CropAspect::kSquare;
  std::vector<CropAspectBucket> crop_aspect_buckets;

  // Sampling.
  int repeats = 0;
  int train_batch_size = 0;  // 0 on cache entries, which have no batches of their own
  double probability = 1.0;
  int start_epoch = 1;
  int start_step = 0;
  std::optional<int> end_epoch;
  std::optional<int> end_step;
  std::optional<int> disable_after_epoch_step;  // kept for parity; ST never applies it
  std::optional<int> max_num_samples;
  bool is_regularisation_data = false;
  double timestep_sampling_offset = 0.0;

  // Caches and the entries this one uses, by id (resolved: text_embeds is the default entry
  // when the dataset names none).
  std::string cache_dir_vae;  // datasets with samples
  std::string cache_dir;      // cache entries
  std::string text_embeds;
  std::string image_embeds;
  std::string conditioning_image_embeds;
  std::string cache_dir_conditioning_image_embeds;
  std::vector<std::string> conditioning_data;
  std::vector<std::string> conditioning_generators;  // `conditioning[].type`; not built in r1
  int write_batch_size = 128;
  bool vae_cache_clear_each_epoch = false;
  bool vae_cache_ondemand = false;
  bool vae_cache_disable = false;
  VaeCacheScanBehaviour vae_cache_scan_behaviour = VaeCacheScanBehaviour::kRecreate;
  std::string skip_file_discovery;  // ST matches stage names as substrings of this list
  bool preserve_data_backend_cache = false;
  bool scan_for_errors = false;
  bool delete_problematic_images = false;
  bool delete_unwanted_images = false;

  std::optional<VideoConfig> video;  // video datasets, and conditioning ones with a block
};

// The global options a dataset falls back to. The caller copies them from the option
// registry so that the dataset code does not depend on the registry's API; the values here
// are the registry's defaults.
struct DatasetDefaults {
  double resolution = 1024;
  ResolutionType resolution_type = ResolutionType::kPixelArea;
  CaptionStrategy caption_strategy = CaptionStrategy::kFilename;
  std::vector<std::string> instance_prompt;
  bool prepend_instance_prompt = false;
  int train_batch_size = 4;
  std::optional<double> minimum_image_size;
  std::optional<double> maximum_image_size;
  std::optional<double> target_downsample_size;
  std::string cache_dir = "cache";  // root of the conditioning image-embed caches
  std::string cache_dir_text = "cache";
  std::string cache_dir_vae;  // image_embeds entries only; datasets use output_dir (§1)
  std::string output_dir = "output";
  std::string model_family = "wan";
  std::string model_flavour = "t2v-480p-1.3b-2.1";
  int framerate = 15;
  int write_batch_size = 128;
  bool delete_problematic_images = false;
  bool delete_unwanted_images = false;
  bool vae_cache_ondemand = false;
  bool vae_cache_disable = false;
  VaeCacheScanBehaviour vae_cache_scan_behaviour = VaeCacheScanBehaviour::kRecreate;
};

// Every entry of one file in file order, disabled ones included (they take part in no rule).
struct DatasetConfigs {
  std::vector<DatasetConfig> entries;

  // The first enabled entry with this id, or nullptr.
  const DatasetConfig* find(const std::string& id) const;
  // The enabled text_embeds entry other datasets fall back to, or nullptr.
  const DatasetConfig* default_text_embeds() const;
};

}  // namespace reel
