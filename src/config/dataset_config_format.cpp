#include "config/dataset_config_format.h"

#include <iomanip>
#include <sstream>

namespace reel {
namespace {

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string opt(const std::optional<double>& v) {
  return v ? num(*v) : "none";
}
std::string opt(const std::optional<int>& v) {
  return v ? std::to_string(*v) : "none";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

class Block {
 public:
  explicit Block(std::ostringstream& out) : out_(out) {}
  void row(const std::string& label, const std::string& value) {
    out_ << "  " << std::left << std::setw(21) << label << value << "\n";
  }

 private:
  std::ostringstream& out_;
};

void format_samples(const DatasetConfig& c, Block& b) {
  b.row("instance_data_dir", c.instance_data_dir);
  std::string captions = to_string(c.caption_strategy);
  if (!c.instance_prompt.empty()) {
    captions += ", instance_prompt " + join(c.instance_prompt);
    if (c.prepend_instance_prompt) captions += " (prepended)";
  }
  b.row("captions", captions);
  std::string resolution = num(c.resolution) + " " + to_string(c.resolution_type);
  if (c.resolution_type == ResolutionType::kPixelArea) {
    resolution += " (" + num(c.resolution * c.resolution / 1e6) + " megapixels)";
  }
  b.row("resolution", resolution);
  b.row("image size", "minimum " + opt(c.minimum_image_size) + ", maximum " +
                          opt(c.maximum_image_size) + ", downsample to " +
                          opt(c.target_downsample_size));
  if (c.minimum_aspect_ratio || c.maximum_aspect_ratio) {
    b.row("aspect ratio", opt(c.minimum_aspect_ratio) + " .. " + opt(c.maximum_aspect_ratio));
  }
  b.row("crop", c.crop ? std::string("yes, ") + to_string(c.crop_style) + ", aspect " +
                             to_string(c.crop_aspect)
                       : "no (resized to the bucket)");
  if (c.video) {
    const VideoConfig& v = *c.video;
    b.row("frames", std::to_string(v.num_frames) + " per clip (keep " +
                        std::to_string(v.min_frames) + ".." +
                        (v.max_frames ? std::to_string(*v.max_frames) : "any") + "), buckets " +
                        to_string(v.bucket_strategy) +
                        (v.frame_interval ? " every " + std::to_string(*v.frame_interval) : "") +
                        ", i2v " + (v.is_i2v ? "yes" : "no"));
  }
  b.row("batches", "train_batch_size " + std::to_string(c.train_batch_size) + ", repeats " +
                       std::to_string(c.repeats) + ", probability " + num(c.probability));
  if (c.start_epoch != 1 || c.start_step != 0 || c.end_epoch || c.end_step) {
    b.row("active", "from epoch " + std::to_string(c.start_epoch) + " / step " +
                        std::to_string(c.start_step) + " to epoch " + opt(c.end_epoch) +
                        " / step " + opt(c.end_step));
  }
  if (c.max_num_samples) b.row("max_num_samples", std::to_string(*c.max_num_samples));
  if (c.is_regularisation_data) b.row("regularisation", "yes");
  if (c.timestep_sampling_offset != 0) {
    b.row("timestep offset", num(c.timestep_sampling_offset));
  }
  b.row("cache_dir_vae", c.cache_dir_vae + (c.vae_cache_disable    ? " (not written)"
                                            : c.vae_cache_ondemand ? " (on demand)"
                                                                   : ""));
  b.row("text_embeds", c.text_embeds.empty() ? "none" : c.text_embeds);
  if (!c.image_embeds.empty()) b.row("image_embeds", c.image_embeds);
  if (!c.conditioning_image_embeds.empty()) {
    b.row("conditioning_image_embeds", c.conditioning_image_embeds);
  }
  if (!c.conditioning_data.empty()) b.row("conditioning_data", join(c.conditioning_data));
  if (!c.skip_file_discovery.empty()) b.row("skip_file_discovery", c.skip_file_discovery);
}

}  // namespace

std::string format_dataset_configs(const DatasetConfigs& datasets) {
  std::ostringstream out;
  for (const DatasetConfig& c : datasets.entries) {
    out << (c.id.empty() ? "(no id)" : c.id) << " (entry " << c.index + 1 << "): ";
    if (c.disabled) {
      out << "disabled\n";
      continue;
    }
    out << c.type << " " << to_string(c.dataset_type) << (c.is_default ? ", default" : "") << "\n";
    Block b(out);
    if (holds_samples(c.dataset_type)) {
      format_samples(c, b);
    } else {
      b.row("cache_dir", c.cache_dir.empty() ? "\"\"" : c.cache_dir);
      if (c.dataset_type == DatasetType::kTextEmbeds) {
        b.row("write_batch_size", std::to_string(c.write_batch_size));
      }
    }
  }
  return out.str();
}

}  // namespace reel
