#include "config/dataset_keys.h"

#include <set>

#include "config/tsv_table.h"

namespace reel::embedded {
extern const char* const st_dataset_keys_tsv;
}

namespace reel {
namespace {

// §1 of spec/dataloader.md plus its video block. The aliases ST reads when the main name is
// absent (disable, instance_data_root, text_embed_cache, is_regularization_data) are here too:
// ignoring them would silently change what a moved-over setup trains on. conditioning_type
// only marks an entry as a conditioning dataset, as ST does.
const std::vector<std::string> kReelKeys = {
    "id",
    "type",
    "dataset_type",
    "disabled",
    "disable",
    "default",
    "instance_data_dir",
    "instance_data_root",
    "caption_strategy",
    "instance_prompt",
    "prepend_instance_prompt",
    "disable_multiline_split",
    "metadata_backend",
    "resolution",
    "resolution_type",
    "minimum_image_size",
    "maximum_image_size",
    "target_downsample_size",
    "minimum_aspect_ratio",
    "maximum_aspect_ratio",
    "crop",
    "crop_style",
    "crop_aspect",
    "crop_aspect_buckets",
    "crop_aspect_buckets[].aspect_bucket",
    "crop_aspect_buckets[].weight",
    "repeats",
    "train_batch_size",
    "probability",
    "start_epoch",
    "start_step",
    "end_epoch",
    "end_step",
    "disable_after_epoch_step",
    "max_num_samples",
    "cache_dir_vae",
    "cache_dir",
    "text_embeds",
    "text_embed_cache",
    "image_embeds",
    "conditioning_image_embeds",
    "cache_dir_conditioning_image_embeds",
    "conditioning_data",
    "conditioning",
    "conditioning_type",
    "write_batch_size",
    "vae_cache_clear_each_epoch",
    "vae_cache_ondemand",
    "vae_cache_disable",
    "vae_cache_scan_behaviour",
    "skip_file_discovery",
    "preserve_data_backend_cache",
    "scan_for_errors",
    "delete_problematic_images",
    "delete_unwanted_images",
    "is_regularisation_data",
    "is_regularization_data",
    "timestep_sampling_offset",
    "hash_filenames",
    "video",
    "video.num_frames",
    "video.min_frames",
    "video.max_frames",
    "video.is_i2v",
    "video.bucket_strategy",
    "video.frame_interval",
};

struct KeySets {
  std::set<std::string> reel;
  std::set<std::string> st;
};

const KeySets& key_sets() {
  static const KeySets sets = [] {
    KeySets s;
    s.reel.insert(kReelKeys.begin(), kReelKeys.end());
    TsvTable table(embedded::st_dataset_keys_tsv, "st_dataset_keys.tsv");
    for (size_t row = 0; row < table.rows(); ++row) s.st.insert(table.at(row, "name"));
    return s;
  }();
  return sets;
}

// "video.num_frames" is in block "video"; "conditioning[].type" in block "conditioning[]".
std::string block_of(const std::string& name) {
  size_t dot = name.rfind('.');
  return dot == std::string::npos ? std::string() : name.substr(0, dot);
}

}  // namespace

DatasetKeyKind classify_dataset_key(const std::string& name) {
  const KeySets& s = key_sets();
  if (s.reel.count(name)) return DatasetKeyKind::kReel;
  if (s.st.count(name)) return DatasetKeyKind::kSimpleTunerOnly;
  return DatasetKeyKind::kUnknown;
}

const std::vector<std::string>& reel_dataset_keys() {
  return kReelKeys;
}

std::vector<std::string> known_dataset_keys_in(const std::string& block) {
  const KeySets& s = key_sets();
  std::set<std::string> all(s.reel);
  all.insert(s.st.begin(), s.st.end());
  std::vector<std::string> out;
  for (const auto& name : all) {
    if (block_of(name) == block) out.push_back(name);
  }
  return out;
}

}  // namespace reel
