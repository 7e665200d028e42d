#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/dataset_test_support.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using nlohmann::json;
using test::contains;
using test::dump;
using test::with;

class DatasetEntry : public ::testing::Test {
 protected:
  // Parses the valid two-entry file with `extra` merged into the video entry.
  test::ParsedDatasets parse(const json& extra, const DatasetDefaults& d = {}) {
    return test::parse_datasets(test::video_and_text_embeds(tmp_.path().string(), extra), d);
  }
  static const DatasetConfig& clips(const test::ParsedDatasets& p) {
    return p.datasets.entries.at(0);
  }
  // The single error for `key`, failing the test when there is not exactly one.
  static Diagnostic only_error(const test::ParsedDatasets& p, const std::string& key) {
    auto errors = with(p.diags, Severity::kError, key);
    EXPECT_EQ(errors.size(), 1u) << dump(p.diags);
    return errors.empty() ? Diagnostic{} : errors[0];
  }

  test::TempDir tmp_;
};

TEST_F(DatasetEntry, BadEnumNamesFileDatasetKeyValueAndAllowed) {
  auto p = parse({{"crop_style", "middle"}});
  Diagnostic e = only_error(p, "crop_style");
  EXPECT_EQ(e.file, "datasets.json: dataset 'clips' (entry 1)");
  EXPECT_TRUE(contains(e.message, "'middle'")) << e.message;
  EXPECT_TRUE(contains(e.message, "allowed: random, corner, center, centre, face")) << e.message;
  EXPECT_EQ(test::count(p.diags, Severity::kError), 1u) << dump(p.diags);

  e = only_error(parse({{"resolution_type", "pixels"}}), "resolution_type");
  EXPECT_TRUE(contains(e.message,
                       "'pixels' is not a valid resolution_type; allowed: pixel, "
                       "area, pixel_area"))
      << e.message;
  e = only_error(parse({{"crop_aspect", "wide"}}), "crop_aspect");
  EXPECT_TRUE(contains(e.message, "allowed: square, preserve, random, closest")) << e.message;
  e = only_error(parse({{"metadata_backend", "sql"}}), "metadata_backend");
  EXPECT_TRUE(contains(e.message, "'sql'")) << e.message;
  e = only_error(parse({{"video", {{"bucket_strategy", "frames"}}}}), "video.bucket_strategy");
  EXPECT_TRUE(contains(e.message, "allowed: aspect_ratio, resolution_frames")) << e.message;
  e = only_error(parse({{"caption_strategy", "parquet"}}), "caption_strategy");
  EXPECT_TRUE(contains(e.message,
                       "not supported by Reel; allowed: filename, textfile, "
                       "instanceprompt"))
      << e.message;
}

TEST_F(DatasetEntry, EnumSpellingsAndAliases) {
  auto p = parse({{"crop_style", "centre"},
                  {"caption_strategy", "instance_prompt"},
                  {"instance_prompt", json::array({"a cat", "a dog"})},
                  {"metadata_backend", "json"},
                  {"resolution_type", "area"},
                  {"resolution", 0.5}});
  ASSERT_FALSE(has_errors(p.diags)) << dump(p.diags);
  EXPECT_EQ(clips(p).crop_style, CropStyle::kCenter);
  EXPECT_EQ(clips(p).caption_strategy, CaptionStrategy::kInstancePrompt);
  EXPECT_EQ(clips(p).instance_prompt, (std::vector<std::string>{"a cat", "a dog"}));
  EXPECT_EQ(clips(p).resolution_type, ResolutionType::kArea);
  EXPECT_EQ(clips(p).resolution, 0.5);
}

TEST_F(DatasetEntry, ValueTypesAreChecked) {
  Diagnostic e = only_error(parse({{"resolution", "high"}}), "resolution");
  EXPECT_TRUE(contains(e.message, "\"high\"")) << e.message;
  EXPECT_TRUE(contains(e.message, "expected a number")) << e.message;
  e = only_error(parse({{"crop", "yes"}}), "crop");
  EXPECT_TRUE(contains(e.message, "expected true or false")) << e.message;
  e = only_error(parse({{"repeats", 1.5}}), "repeats");
  EXPECT_TRUE(contains(e.message, "expected an integer")) << e.message;
  e = only_error(parse({{"instance_prompt", 3}}), "instance_prompt");
  EXPECT_TRUE(contains(e.message, "a string or a list of strings")) << e.message;
  e = only_error(parse({{"repeats", -1}}), "repeats");
  EXPECT_TRUE(contains(e.message, "-1")) << e.message;

  // ST's string booleans and numeric strings are accepted.
  auto p = parse({{"crop", "true"}, {"scan_for_errors", "false"}, {"repeats", "2"}});
  ASSERT_FALSE(has_errors(p.diags)) << dump(p.diags);
  EXPECT_TRUE(clips(p).crop);
  EXPECT_FALSE(clips(p).scan_for_errors);
  EXPECT_EQ(clips(p).repeats, 2);
}

TEST_F(DatasetEntry, TrainBatchSizeIsAPositiveInteger) {
  EXPECT_EQ(clips(parse({{"train_batch_size", 2}})).train_batch_size, 2);
  auto digits = parse({{"train_batch_size", "8"}});
  EXPECT_FALSE(has_errors(digits.diags)) << dump(digits.diags);
  EXPECT_EQ(clips(digits).train_batch_size, 8);

  Diagnostic e = only_error(parse({{"train_batch_size", true}}), "train_batch_size");
  EXPECT_TRUE(contains(e.message, "boolean")) << e.message;
  e = only_error(parse({{"train_batch_size", 0}}), "train_batch_size");
  EXPECT_TRUE(contains(e.message, "positive integer")) << e.message;
  only_error(parse({{"train_batch_size", "2x"}}), "train_batch_size");
  only_error(parse({{"train_batch_size", 2.5}}), "train_batch_size");

  // eval datasets always draw batches of one.
  json file = test::video_and_text_embeds(tmp_.path().string());
  file.push_back({{"id", "held-out"},
                  {"type", "local"},
                  {"dataset_type", "eval"},
                  {"instance_data_dir", tmp_.path().string()},
                  {"train_batch_size", 6}});
  auto eval = test::parse_datasets(file);
  EXPECT_FALSE(has_errors(eval.diags)) << dump(eval.diags);
  EXPECT_EQ(eval.datasets.find("held-out")->train_batch_size, 1);
  EXPECT_EQ(with(eval.diags, Severity::kNotice, "train_batch_size").size(), 1u);
}

TEST_F(DatasetEntry, ProbabilityNullOrEmptyIsOne) {
  EXPECT_EQ(clips(parse({{"probability", nullptr}})).probability, 1.0);
  auto empty = parse({{"probability", ""}});
  EXPECT_FALSE(has_errors(empty.diags)) << dump(empty.diags);
  EXPECT_EQ(clips(empty).probability, 1.0);
  EXPECT_EQ(clips(parse({{"probability", 0.25}})).probability, 0.25);
  only_error(parse({{"probability", -1}}), "probability");
}

TEST_F(DatasetEntry, StartWindowClampsAsSimpleTunerDoes) {
  auto p = parse({{"start_epoch", 0}, {"start_step", -5}, {"end_step", 100}});
  ASSERT_FALSE(has_errors(p.diags)) << dump(p.diags);
  EXPECT_EQ(clips(p).start_epoch, 1);
  EXPECT_EQ(clips(p).start_step, 0);
  EXPECT_EQ(clips(p).end_step, 100);
  EXPECT_FALSE(clips(p).end_epoch.has_value());
}

TEST_F(DatasetEntry, StorageTypeIsLocalOnly) {
  Diagnostic e = only_error(parse({{"type", "aws"}}), "type");
  EXPECT_TRUE(contains(e.message, "'aws' is not supported by Reel; supported: local")) << e.message;
  e = only_error(parse({{"type", "ftp"}}), "type");
  EXPECT_TRUE(contains(e.message, "supported: local")) << e.message;
  json no_type = test::video_and_text_embeds(tmp_.path().string());
  no_type[0].erase("type");
  auto p = test::parse_datasets(no_type);
  EXPECT_FALSE(has_errors(p.diags)) << dump(p.diags);
  EXPECT_EQ(with(p.diags, Severity::kWarning, "type").size(), 1u);
}

TEST_F(DatasetEntry, DatasetTypeIsChecked) {
  Diagnostic e = only_error(parse({{"dataset_type", "audio"}}), "dataset_type");
  EXPECT_TRUE(contains(e.message, "'audio' is not supported by Reel")) << e.message;
  e = only_error(parse({{"dataset_type", "vidoe"}}), "dataset_type");
  EXPECT_TRUE(contains(e.message,
                       "allowed: image, video, conditioning, eval, text_embeds, "
                       "image_embeds, conditioning_image_embeds"))
      << e.message;
}

TEST_F(DatasetEntry, RequiredKeysPerDatasetType) {
  json file = test::video_and_text_embeds(tmp_.path().string());
  file[0].erase("instance_data_dir");
  auto p = test::parse_datasets(file);
  Diagnostic e = only_error(p, "instance_data_dir");
  EXPECT_TRUE(contains(e.message, "a video dataset needs instance_data_dir")) << e.message;
  // Cache entries need no folder of samples.
  EXPECT_EQ(test::count(p.diags, Severity::kError), 1u) << dump(p.diags);

  // ST's older name is read when the current one is absent.
  file[0]["instance_data_root"] = tmp_.path().string();
  auto root = test::parse_datasets(file);
  EXPECT_FALSE(has_errors(root.diags)) << dump(root.diags);
  EXPECT_EQ(clips(root).instance_data_dir, tmp_.path().string());
}

TEST_F(DatasetEntry, InstancePromptStrategyNeedsAPrompt) {
  Diagnostic e = only_error(parse({{"caption_strategy", "instanceprompt"}}), "instance_prompt");
  EXPECT_TRUE(contains(e.message, "needs an instance_prompt")) << e.message;
  DatasetDefaults d;
  d.instance_prompt = {"a film still"};
  auto global = parse({{"caption_strategy", "instanceprompt"}}, d);
  EXPECT_FALSE(has_errors(global.diags)) << dump(global.diags);
  EXPECT_EQ(clips(global).instance_prompt, std::vector<std::string>{"a film still"});
}

TEST_F(DatasetEntry, MaximumImageSizeNeedsTargetDownsampleSize) {
  Diagnostic e = only_error(parse({{"maximum_image_size", 480}}), "maximum_image_size");
  EXPECT_TRUE(contains(e.message, "needs target_downsample_size")) << e.message;
  EXPECT_FALSE(
      has_errors(parse({{"maximum_image_size", 480}, {"target_downsample_size", 480}}).diags));
  // area mode: below 20 megapixels (pixel_area 5000 px is 25 MP).
  only_error(parse({{"maximum_image_size", 5000}, {"target_downsample_size", 480}}),
             "maximum_image_size");
}

TEST_F(DatasetEntry, FramesRoundDownTo4kPlus1WithOneNotice) {
  auto p = parse({{"video", {{"num_frames", 75}}}});
  ASSERT_FALSE(has_errors(p.diags)) << dump(p.diags);
  EXPECT_EQ(clips(p).video->num_frames, 73);
  EXPECT_EQ(clips(p).video->min_frames, 73);
  auto notices = with(p.diags, Severity::kNotice, "video.num_frames");
  ASSERT_EQ(notices.size(), 1u) << dump(p.diags);
  EXPECT_TRUE(contains(notices[0].message, "75 -> 73")) << notices[0].message;
  EXPECT_TRUE(contains(notices[0].message, "8k+1")) << notices[0].message;

  auto kept = parse({{"video", {{"num_frames", 77}}}});
  EXPECT_EQ(clips(kept).video->num_frames, 77);  // ST would make this 73
  EXPECT_TRUE(with(kept.diags, Severity::kNotice, "video.num_frames").empty()) << dump(kept.diags);

  auto both = parse({{"video", {{"num_frames", 75}, {"min_frames", 80}, {"max_frames", 200}}}});
  ASSERT_FALSE(has_errors(both.diags)) << dump(both.diags);
  EXPECT_EQ(clips(both).video->min_frames, 77);
  EXPECT_EQ(clips(both).video->max_frames, 200);
  EXPECT_EQ(with(both.diags, Severity::kNotice, "video.num_frames").size(), 1u);
  EXPECT_EQ(round_frames_down_4k1(1), 1);
  EXPECT_EQ(round_frames_down_4k1(4), 1);
  EXPECT_EQ(round_frames_down_4k1(81), 81);
}

TEST_F(DatasetEntry, MinFramesBelowNumFramesIsAnError) {
  Diagnostic e =
      only_error(parse({{"video", {{"num_frames", 49}, {"min_frames", 33}}}}), "video.min_frames");
  EXPECT_TRUE(contains(e.message, "video.min_frames 33 is below video.num_frames 49")) << e.message;
  only_error(parse({{"video", {{"num_frames", 49}, {"max_frames", 40}}}}), "video.max_frames");
  only_error(parse({{"video", {{"num_frames", 0}}}}), "video.num_frames");
  only_error(parse({{"video", 49}}), "video");
}

TEST_F(DatasetEntry, NumFramesDefaultsToFramerateTimesFive) {
  auto p = parse({{"video", json::object()}});
  EXPECT_EQ(clips(p).video->num_frames, 73);  // 15 x 5 = 75, rounded down
  auto warnings = with(p.diags, Severity::kWarning, "video.num_frames");
  ASSERT_EQ(warnings.size(), 1u) << dump(p.diags);
  EXPECT_TRUE(contains(warnings[0].message, "75")) << warnings[0].message;
  DatasetDefaults d;
  d.framerate = 16;
  EXPECT_EQ(clips(parse({{"video", json::object()}}, d)).video->num_frames, 77);  // 80 → 77
}

TEST_F(DatasetEntry, IsI2vIsForcedForI2vFlavours) {
  DatasetDefaults d;
  d.model_flavour = "i2v-480p-14b-2.1";
  auto forced = parse({{"video", {{"num_frames", 81}, {"is_i2v", false}}}}, d);
  EXPECT_TRUE(clips(forced).video->is_i2v);
  EXPECT_FALSE(clips(parse({{"video", {{"num_frames", 81}}}})).video->is_i2v);
  EXPECT_TRUE(clips(parse({{"video", {{"num_frames", 81}, {"is_i2v", "true"}}}})).video->is_i2v);
}

TEST_F(DatasetEntry, UnknownKeysGetDidYouMean) {
  auto p = parse({{"instance_data_dri", "x"}, {"video", {{"num_frame", 81}}}});
  auto top = with(p.diags, Severity::kWarning, "instance_data_dri");
  ASSERT_EQ(top.size(), 1u) << dump(p.diags);
  EXPECT_TRUE(contains(top[0].message, "unknown dataset key")) << top[0].message;
  EXPECT_EQ(top[0].hint, "did you mean 'instance_data_dir'?");
  auto nested = with(p.diags, Severity::kWarning, "video.num_frame");
  ASSERT_EQ(nested.size(), 1u) << dump(p.diags);
  EXPECT_EQ(nested[0].hint, "did you mean 'video.num_frames'?");
  EXPECT_FALSE(has_errors(p.diags)) << dump(p.diags);

  auto far = parse({{"zzzzzzzzzz", 1}});
  auto w = with(far.diags, Severity::kWarning, "zzzzzzzzzz");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].hint, "");
}

TEST_F(DatasetEntry, SimpleTunerKeysReelLacksGetOneWarning) {
  auto p = parse({{"vae_batch_size", 4}, {"video", {{"num_frames", 81}, {"fps", 16}}}});
  auto top = with(p.diags, Severity::kWarning, "vae_batch_size");
  ASSERT_EQ(top.size(), 1u) << dump(p.diags);
  EXPECT_EQ(top[0].message,
            "SimpleTuner option vae_batch_size is not supported by Reel and is ignored");
  auto nested = with(p.diags, Severity::kWarning, "video.fps");
  ASSERT_EQ(nested.size(), 1u) << dump(p.diags);
  EXPECT_EQ(nested[0].message,
            "SimpleTuner option video.fps is not supported by Reel and is ignored");
}

}  // namespace
}  // namespace reel
