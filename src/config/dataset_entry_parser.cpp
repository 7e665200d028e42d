#include "config/dataset_entry_parser.h"

#include <filesystem>
#include <sstream>

#include "config/dataset_entry_reader.h"
#include "config/dataset_keys.h"
#include "config/did_you_mean.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// Rounds down to 8k+1, as ST's Wan.adjust_video_frames does; only quoted in messages.
int round_frames_down_8k1(int frames) {
  return frames < 1 ? frames : (frames - 1) / 8 * 8 + 1;
}

// Unknown keys and ST keys Reel does not implement, directly inside `block` ("" = top level).
void check_keys(const json& object, const std::string& block, DatasetEntryReader& r) {
  const auto candidates = known_dataset_keys_in(block);
  for (const auto& item : object.items()) {
    const std::string full = block.empty() ? item.key() : block + "." + item.key();
    switch (classify_dataset_key(full)) {
      case DatasetKeyKind::kReel:
        break;
      case DatasetKeyKind::kSimpleTunerOnly:
        r.warn(item.key(),
               "SimpleTuner option " + full + " is not supported by Reel and is ignored");
        break;
      case DatasetKeyKind::kUnknown: {
        std::string match = closest_match(full, candidates);
        r.warn(item.key(), "unknown dataset key, ignored",
               match.empty() ? "" : "did you mean '" + match + "'?");
        break;
      }
    }
  }
}

std::optional<double> positive_number(DatasetEntryReader& r, const std::string& key) {
  auto v = r.number(key);
  if (v && *v <= 0) {
    r.error(key, "value " + num(*v) + " must be greater than 0");
    return std::nullopt;
  }
  return v;
}

std::optional<int> positive_integer(DatasetEntryReader& r, const std::string& key) {
  auto v = r.integer(key);
  if (v && *v < 1) {
    r.error(key, "value " + std::to_string(*v) + " must be a positive integer");
    return std::nullopt;
  }
  return v;
}

void read_instance_data_dir(DatasetEntryReader& r, DatasetConfig& c) {
  // ST reads the older name only when the current one is absent.
  const std::string key = !r.has("instance_data_dir") && r.has("instance_data_root")
                              ? "instance_data_root"
                              : "instance_data_dir";
  const std::string needs = std::string("a ") + to_string(c.dataset_type) +
                            " dataset needs instance_data_dir, the folder holding its samples";
  if (!r.has(key)) return r.error("instance_data_dir", needs);
  auto dir = r.string(key);
  if (!dir) return;
  if (dir->empty()) return r.error(key, needs);
  c.instance_data_dir = *dir;
  std::error_code ec;
  fs::path p(*dir);
  auto status = fs::status(p, ec);
  // Relative paths resolve against the directory reel runs in, as in SimpleTuner.
  std::string relative =
      p.is_relative() ? " (relative to the current directory " + fs::current_path(ec).string() + ")"
                      : "";
  if (!fs::exists(status)) {
    r.error(key, "folder '" + *dir + "' does not exist" + relative);
  } else if (!fs::is_directory(status)) {
    r.error(key, "'" + *dir + "' is not a folder" + relative);
  }
}

void read_captions(DatasetEntryReader& r, DatasetConfig& c, const DatasetDefaults& d) {
  c.caption_strategy =
      r.choice<CaptionStrategy>("caption_strategy",
                                {{"filename", CaptionStrategy::kFilename},
                                 {"textfile", CaptionStrategy::kTextfile},
                                 {"instanceprompt", CaptionStrategy::kInstancePrompt},
                                 {"instance_prompt", CaptionStrategy::kInstancePrompt}},
                                "filename, textfile, instanceprompt",
                                {"parquet", "csv", "huggingface", "webshart"})
          .value_or(d.caption_strategy);
  bool prompt_ok = true;
  if (r.has("instance_prompt")) {
    auto prompts = r.strings("instance_prompt");
    prompt_ok = prompts.has_value();
    if (prompts) c.instance_prompt = *prompts;
  } else {
    c.instance_prompt = d.instance_prompt;
  }
  c.prepend_instance_prompt =
      r.boolean("prepend_instance_prompt").value_or(d.prepend_instance_prompt);
  c.disable_multiline_split = r.boolean("disable_multiline_split").value_or(false);

  bool have_prompt = false;
  for (const auto& p : c.instance_prompt) have_prompt = have_prompt || !p.empty();
  if (prompt_ok && !have_prompt && c.caption_strategy == CaptionStrategy::kInstancePrompt) {
    r.error("instance_prompt", "caption_strategy instanceprompt needs an instance_prompt",
            "set instance_prompt on the dataset or as a global option");
  }

  if (auto backend = r.string("metadata_backend")) {
    if (*backend == "filesystem") {
      r.warn("metadata_backend", "'filesystem' is deprecated; read as 'discovery'");
    } else if (*backend == "parquet" || *backend == "huggingface" || *backend == "webshart") {
      r.error("metadata_backend",
              "SimpleTuner's '" + *backend + "' is not supported by Reel; allowed: discovery");
    } else if (*backend != "discovery" && *backend != "json") {
      r.error("metadata_backend",
              "'" + *backend + "' is not a valid metadata_backend; allowed: discovery");
    }
  }
}

// ST's factory limits on the downsampling sizes (§1): under 20 megapixels in area mode
// (pixel_area converted), at least 512 px in pixel mode.
void check_downsample_limit(DatasetEntryReader& r, const DatasetConfig& c, const std::string& key,
                            double value) {
  if (c.resolution_type == ResolutionType::kPixel) {
    if (value < 512)
      r.error(key, "value " + num(value) + " must be at least 512 with resolution_type pixel");
    return;
  }
  double megapixels = c.resolution_type == ResolutionType::kPixelArea ? value * value / 1e6 : value;
  if (megapixels >= 20) {
    r.error(key, "value " + num(value) + " is " + num(megapixels) +
                     " megapixels; it must be below 20 in area mode");
  }
}

void read_sizes(DatasetEntryReader& r, DatasetConfig& c, const DatasetDefaults& d) {
  c.resolution = positive_number(r, "resolution").value_or(d.resolution);
  c.resolution_type = r.choice<ResolutionType>("resolution_type",
                                               {{"pixel", ResolutionType::kPixel},
                                                {"area", ResolutionType::kArea},
                                                {"pixel_area", ResolutionType::kPixelArea}},
                                               "pixel, area, pixel_area")
                          .value_or(d.resolution_type);
  auto size = [&](const char* key, const std::optional<double>& global) {
    if (!r.has(key)) return global;
    auto v = r.number(key);
    if (v && *v < 0) {
      r.error(key, "value " + num(*v) + " must not be negative");
      return std::optional<double>();
    }
    return v;
  };
  c.minimum_image_size = size("minimum_image_size", d.minimum_image_size);
  c.maximum_image_size = size("maximum_image_size", d.maximum_image_size);
  c.target_downsample_size = size("target_downsample_size", d.target_downsample_size);
  if (c.maximum_image_size && !c.target_downsample_size) {
    r.error("maximum_image_size", "maximum_image_size needs target_downsample_size",
            "set target_downsample_size, the size oversized samples are reduced to");
  }
  if (c.maximum_image_size)
    check_downsample_limit(r, c, "maximum_image_size", *c.maximum_image_size);
  if (c.target_downsample_size) {
    check_downsample_limit(r, c, "target_downsample_size", *c.target_downsample_size);
  }

  c.minimum_aspect_ratio = positive_number(r, "minimum_aspect_ratio");
  c.maximum_aspect_ratio = positive_number(r, "maximum_aspect_ratio");
  if (c.minimum_aspect_ratio && c.maximum_aspect_ratio &&
      *c.minimum_aspect_ratio > *c.maximum_aspect_ratio) {
    r.error("minimum_aspect_ratio", "minimum_aspect_ratio " + num(*c.minimum_aspect_ratio) +
                                        " is above maximum_aspect_ratio " +
                                        num(*c.maximum_aspect_ratio) +
                                        ": every sample would be dropped");
  }

  c.crop = r.boolean("crop").value_or(false);
  c.crop_style = r.choice<CropStyle>("crop_style",
                                     {{"random", CropStyle::kRandom},
                                      {"corner", CropStyle::kCorner},
                                      {"center", CropStyle::kCenter},
                                      {"centre", CropStyle::kCenter},
                                      {"face", CropStyle::kFace}},
                                     "random, corner, center, centre, face")
                     .value_or(CropStyle::kRandom);
  c.crop_aspect = r.choice<CropAspect>("crop_aspect",
                                       {{"square", CropAspect::kSquare},
                                        {"preserve", CropAspect::kPreserve},
                                        {"random", CropAspect::kRandom},
                                        {"closest", CropAspect::kClosest}},
                                       "square, preserve, random, closest")
                      .value_or(CropAspect::kSquare);
  if (const json* buckets = r.get("crop_aspect_buckets")) {
    bool ok = buckets->is_array();
    for (size_t i = 0; ok && i < buckets->size(); ++i) {
      const json& b = (*buckets)[i];
      if (b.is_number()) {
        c.crop_aspect_buckets.push_back({b.get<double>(), std::nullopt});
      } else if (b.is_object() && b.contains("aspect_bucket") && b["aspect_bucket"].is_number() &&
                 (!b.contains("weight") || b["weight"].is_number())) {
        CropAspectBucket bucket{b["aspect_bucket"].get<double>(), std::nullopt};
        if (b.contains("weight")) bucket.weight = b["weight"].get<double>();
        c.crop_aspect_buckets.push_back(bucket);
      } else {
        ok = false;
      }
    }
    if (!ok) {
      c.crop_aspect_buckets.clear();
      r.error("crop_aspect_buckets", "value " + buckets->dump() + " is not a list of aspect ratios",
              "write numbers, or objects {\"aspect_bucket\": 1.0, \"weight\": 0.5}");
    }
  }
  bool needs_buckets =
      c.crop_aspect == CropAspect::kRandom || c.crop_aspect == CropAspect::kClosest;
  if (needs_buckets && c.crop_aspect_buckets.empty() && !r.has("crop_aspect_buckets")) {
    r.error("crop_aspect", std::string("crop_aspect ") + to_string(c.crop_aspect) +
                               " needs crop_aspect_buckets, the aspect ratios to choose from");
  }
}

void read_sampling(DatasetEntryReader& r, DatasetConfig& c, const DatasetDefaults& d) {
  c.repeats = r.integer("repeats").value_or(0);
  if (c.repeats < 0) {
    r.error("repeats", "value " + std::to_string(c.repeats) + " must not be negative",
            "0 shows each sample once per epoch");
    c.repeats = 0;
  }

  if (c.dataset_type == DatasetType::kEval) {
    // ST evaluates one sample at a time whatever the entry says.
    c.train_batch_size = 1;
    if (auto b = r.integer("train_batch_size"); b && *b != 1) {
      r.notice("train_batch_size",
               "eval datasets always use batches of 1; " + std::to_string(*b) + " is ignored");
    }
  } else {
    const json* v = r.get("train_batch_size");
    if (v && v->is_boolean()) {
      r.error("train_batch_size",
              "value " + v->dump() + " is a boolean; expected a positive integer");
    }
    std::optional<int> b =
        v && !v->is_boolean() ? positive_integer(r, "train_batch_size") : std::nullopt;
    c.train_batch_size = b.value_or(d.train_batch_size);
  }

  // ST treats null and "" as "not set".
  const json* p = r.get("probability");
  if (p && !(p->is_string() && p->get_ref<const std::string&>().empty())) {
    auto v = r.number("probability");
    if (v && *v < 0) {
      r.error("probability", "value " + num(*v) + " must not be negative");
    } else if (v) {
      c.probability = *v;
    }
  }

  // ST clamps these rather than rejecting them.
  c.start_epoch = std::max(1, r.integer("start_epoch").value_or(1));
  c.start_step = std::max(0, r.integer("start_step").value_or(0));
  c.end_epoch = r.integer("end_epoch");
  c.end_step = r.integer("end_step");
  c.disable_after_epoch_step = r.integer("disable_after_epoch_step");
  c.max_num_samples = positive_integer(r, "max_num_samples");
  c.is_regularisation_data = r.has("is_regularisation_data")
                                 ? r.boolean("is_regularisation_data").value_or(false)
                                 : r.boolean("is_regularization_data").value_or(false);
  c.timestep_sampling_offset = r.number("timestep_sampling_offset").value_or(0.0);
}

void read_caches(DatasetEntryReader& r, ParsedDatasetEntry& p, const DatasetDefaults& d) {
  DatasetConfig& c = p.config;
  c.cache_dir_vae = r.string("cache_dir_vae").value_or("");
  if (c.cache_dir_vae.empty() && !c.id.empty()) {
    c.cache_dir_vae = (fs::path(d.output_dir) / "cache" / "vae" / d.model_family / c.id).string();
  }

  const std::string te_key =
      !r.has("text_embeds") && r.has("text_embed_cache") ? "text_embed_cache" : "text_embeds";
  if (r.has(te_key)) {
    p.names_text_embeds = true;
    c.text_embeds = r.string(te_key).value_or("");
  }
  c.image_embeds = r.string("image_embeds").value_or("");
  c.conditioning_image_embeds = r.string("conditioning_image_embeds").value_or("");
  c.cache_dir_conditioning_image_embeds =
      r.string("cache_dir_conditioning_image_embeds").value_or("");
  c.conditioning_data = r.strings("conditioning_data").value_or(std::vector<std::string>{});

  if (const json* gen = r.get("conditioning")) {
    json list = gen->is_array() ? *gen : json::array({*gen});
    bool ok = true;
    for (const auto& g : list) {
      if (g.is_object() && g.contains("type") && g["type"].is_string()) {
        c.conditioning_generators.push_back(g["type"].get<std::string>());
      } else {
        ok = false;
      }
    }
    if (!ok) {
      r.error("conditioning",
              "value " + gen->dump() + " is not a generator object or a list of them",
              "each needs a \"type\", e.g. {\"type\": \"canny\"}");
    } else if (!c.conditioning_generators.empty()) {
      r.warn("conditioning",
             "generated conditioning datasets are not built by Reel yet; "
             "this dataset trains without them");
    }
  }

  // ST writes video latents one clip at a time.
  int write_default = c.dataset_type == DatasetType::kVideo ? 1 : d.write_batch_size;
  c.write_batch_size = positive_integer(r, "write_batch_size").value_or(write_default);
  c.vae_cache_clear_each_epoch = r.boolean("vae_cache_clear_each_epoch").value_or(false);
  c.vae_cache_disable = r.boolean("vae_cache_disable").value_or(d.vae_cache_disable);
  c.vae_cache_ondemand =
      r.boolean("vae_cache_ondemand").value_or(d.vae_cache_ondemand) || c.vae_cache_disable;
  c.vae_cache_scan_behaviour =
      r.choice<VaeCacheScanBehaviour>(
           "vae_cache_scan_behaviour",
           {{"recreate", VaeCacheScanBehaviour::kRecreate}, {"sync", VaeCacheScanBehaviour::kSync}},
           "recreate, sync")
          .value_or(d.vae_cache_scan_behaviour);
  if (auto stages = r.strings("skip_file_discovery")) {
    for (const auto& s : *stages)
      c.skip_file_discovery += (c.skip_file_discovery.empty() ? "" : " ") + s;
  }
  c.preserve_data_backend_cache = r.boolean("preserve_data_backend_cache").value_or(false);
  c.scan_for_errors = r.boolean("scan_for_errors").value_or(false);
  c.delete_problematic_images =
      r.boolean("delete_problematic_images").value_or(d.delete_problematic_images);
  c.delete_unwanted_images = r.boolean("delete_unwanted_images").value_or(d.delete_unwanted_images);
}

VideoConfig read_video(DatasetEntryReader& top, const DatasetDefaults& d) {
  static const json kEmpty = json::object();
  const json* block = top.get("video");
  if (block && !block->is_object()) {
    top.error("video",
              "value " + block->dump() + " is " + block->type_name() + "; expected an object");
    block = nullptr;
  }
  DatasetEntryReader r(block ? *block : kEmpty, top.where(), top.diagnostics(), "video.");
  if (block) check_keys(*block, "video", r);

  VideoConfig v;
  const int fallback = d.framerate * 5;
  if (!r.has("num_frames")) {
    r.warn("num_frames", "not set: using framerate x 5 = " + std::to_string(fallback) +
                             " frames, as SimpleTuner does");
  }
  int num = positive_integer(r, "num_frames").value_or(fallback);
  int min = r.has("min_frames") ? positive_integer(r, "min_frames").value_or(num) : num;
  if (min < num) {
    r.error("min_frames",
            "video.min_frames " + std::to_string(min) + " is below video.num_frames " +
                std::to_string(num) + "; it must be at least num_frames",
            "clips shorter than num_frames cannot fill a training clip");
  }
  v.max_frames = positive_integer(r, "max_frames");
  if (!v.max_frames) {
    r.notice("max_frames",
             "not set: no clip is dropped for being long; each is trimmed to its "
             "first " +
                 std::to_string(round_frames_down_4k1(num)) + " frames");
  } else if (*v.max_frames < min) {
    r.error("max_frames", "video.max_frames " + std::to_string(*v.max_frames) +
                              " is below video.min_frames " + std::to_string(min) +
                              ": every clip would be dropped");
  }

  bool forced = d.model_flavour.rfind("i2v-", 0) == 0;
  auto is_i2v = r.boolean("is_i2v");
  v.is_i2v = forced || is_i2v.value_or(false);
  if (forced && is_i2v && !*is_i2v) {
    r.notice("is_i2v", "set to true: model_flavour " + d.model_flavour + " trains image-to-video");
  }

  v.bucket_strategy =
      r.choice<BucketStrategy>("bucket_strategy",
                               {{"aspect_ratio", BucketStrategy::kAspectRatio},
                                {"resolution_frames", BucketStrategy::kResolutionFrames}},
                               "aspect_ratio, resolution_frames")
          .value_or(BucketStrategy::kAspectRatio);
  v.frame_interval = positive_integer(r, "frame_interval");
  if (v.frame_interval && v.bucket_strategy != BucketStrategy::kResolutionFrames) {
    r.warn("frame_interval", "only read with bucket_strategy resolution_frames; ignored");
  }

  v.num_frames = round_frames_down_4k1(num);
  v.min_frames = round_frames_down_4k1(min);
  if (v.num_frames != num || v.min_frames != min) {
    r.notice("num_frames", "num_frames " + std::to_string(num) + " -> " +
                               std::to_string(v.num_frames) + ", min_frames " +
                               std::to_string(min) + " -> " + std::to_string(v.min_frames) +
                               ": rounded down to 4k+1, the clip lengths the Wan VAE encodes "
                               "(SimpleTuner rounds down to 8k+1: " +
                               std::to_string(round_frames_down_8k1(num)) + " and " +
                               std::to_string(round_frames_down_8k1(min)) + ")");
  }
  return v;
}

void read_cache_entry(DatasetEntryReader& r, DatasetConfig& c, const DatasetDefaults& d) {
  const std::string fallback =
      c.dataset_type == DatasetType::kTextEmbeds ? d.cache_dir_text : d.cache_dir_vae;
  c.cache_dir = r.string("cache_dir").value_or(fallback);
  if (c.cache_dir.empty()) c.cache_dir = fallback;
  if (c.dataset_type == DatasetType::kTextEmbeds) {
    c.is_default = r.boolean("default").value_or(false);
    c.write_batch_size = positive_integer(r, "write_batch_size").value_or(d.write_batch_size);
  }
  if (c.dataset_type == DatasetType::kImageEmbeds) {
    c.vae_cache_clear_each_epoch = r.boolean("vae_cache_clear_each_epoch").value_or(false);
  }
  c.preserve_data_backend_cache = r.boolean("preserve_data_backend_cache").value_or(false);
}

// dataset_type, or nullopt after reporting it.
std::optional<DatasetType> read_dataset_type(DatasetEntryReader& r) {
  // ST makes an entry with conditioning_type a conditioning dataset.
  if (!r.has("dataset_type") && r.has("conditioning_type")) return DatasetType::kConditioning;
  if (!r.has("dataset_type")) return DatasetType::kImage;
  return r.choice<DatasetType>(
      "dataset_type",
      {{"image", DatasetType::kImage},
       {"video", DatasetType::kVideo},
       {"conditioning", DatasetType::kConditioning},
       {"eval", DatasetType::kEval},
       {"text_embeds", DatasetType::kTextEmbeds},
       {"image_embeds", DatasetType::kImageEmbeds},
       {"conditioning_image_embeds", DatasetType::kConditioningImageEmbeds}},
      "image, video, conditioning, eval, text_embeds, image_embeds, conditioning_image_embeds",
      {"audio", "caption", "distillation_cache", "grounding"});
}

void read_storage_type(DatasetEntryReader& r, DatasetConfig& c) {
  if (!r.has("type")) {
    r.warn("type", "not set: read as a local folder (SimpleTuner requires this key)");
    return;
  }
  auto type = r.string("type");
  if (!type || *type == "local") return;
  c.type = *type;
  static const char* const kSimpleTuner[] = {"aws", "csv", "huggingface", "webshart", "memory"};
  for (const char* t : kSimpleTuner) {
    if (*type == t) {
      return r.error("type",
                     "storage type '" + *type + "' is not supported by Reel; supported: local");
    }
  }
  r.error("type", "'" + *type + "' is not a valid type; supported: local");
}

}  // namespace

std::string dataset_location(const std::string& source, size_t index, const std::string& id) {
  std::string entry = "entry " + std::to_string(index + 1);
  return source + ": " + (id.empty() ? entry : "dataset '" + id + "' (" + entry + ")");
}

ParsedDatasetEntry parse_dataset_entry(const json& object, const std::string& source, size_t index,
                                       const DatasetDefaults& defaults, Diagnostics& diags) {
  ParsedDatasetEntry p;
  DatasetConfig& c = p.config;
  c.source = source;
  c.index = index;
  auto id = object.find("id");
  p.has_id = id != object.end() && id->is_string() && !id->get_ref<const std::string&>().empty();
  if (p.has_id) c.id = id->get<std::string>();
  p.where = dataset_location(source, index, c.id);

  DatasetEntryReader flags(object, p.where, diags);
  bool disabled = flags.boolean("disabled").value_or(false);
  c.disabled = disabled || flags.boolean("disable").value_or(false);

  Diagnostics ignored;
  DatasetEntryReader r(object, p.where, c.disabled ? ignored : diags);
  if (!p.has_id) {
    if (id == object.end() || id->is_null()) {
      r.error("id", "missing: every dataset needs a unique id",
              "it names the dataset's cache files");
    } else {
      r.error("id", "value " + id->dump() + " is not a non-empty string");
    }
  }
  check_keys(object, "", r);
  read_storage_type(r, c);
  auto type = read_dataset_type(r);
  if (!type) return p;
  c.dataset_type = *type;
  p.usable = p.has_id;

  if (!holds_samples(c.dataset_type)) {
    read_cache_entry(r, c, defaults);
    return p;
  }
  read_instance_data_dir(r, c);
  read_captions(r, c, defaults);
  read_sizes(r, c, defaults);
  read_sampling(r, c, defaults);
  read_caches(r, p, defaults);
  // Conditioning datasets paired with a video dataset carry a video block of their own.
  if (c.dataset_type == DatasetType::kVideo ||
      (c.dataset_type == DatasetType::kConditioning && r.has("video"))) {
    c.video = read_video(r, defaults);
  } else if (r.has("video")) {
    r.warn("video", std::string("the video block is read only for video and conditioning "
                                "datasets; ignored on this ") +
                        to_string(c.dataset_type) + " dataset");
  }
  return p;
}

}  // namespace reel
