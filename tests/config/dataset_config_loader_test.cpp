#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/dataset_config_loader.h"
#include "config/dataset_test_support.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

using nlohmann::json;
using test::contains;
using test::dump;
using test::parse_datasets;
using test::with;

const char* const kExample = REEL_FIXTURES_DIR "/../examples/multidatabackend.json";

json read_json(const std::string& path) {
  return json::parse(test::read_file(path));
}

// Example files name the user's folders; point them at an existing temporary one.
json with_data_dir(json file, const std::string& dir) {
  for (auto& entry : file) {
    if (entry.contains("instance_data_dir")) entry["instance_data_dir"] = dir;
  }
  return file;
}

TEST(DatasetConfigLoader, ExampleReportsOnlyItsMissingFolder) {
  Diagnostics diags;
  DatasetConfigs ds = load_dataset_config(kExample, DatasetDefaults{}, diags);

  auto errors = with(diags, Severity::kError, "instance_data_dir");
  ASSERT_EQ(test::count(diags, Severity::kError), 1u) << dump(diags);
  ASSERT_EQ(errors.size(), 1u) << dump(diags);
  EXPECT_TRUE(contains(errors[0].message, "datasets/disney-black-and-white")) << errors[0].message;
  EXPECT_TRUE(contains(errors[0].file, "multidatabackend.json")) << errors[0].file;
  EXPECT_TRUE(contains(errors[0].file, "disney-black-and-white")) << errors[0].file;
  for (const auto& d : diags) {  // every key of the example is one Reel implements
    EXPECT_FALSE(contains(d.message, "unknown dataset key")) << to_string(d);
    EXPECT_FALSE(contains(d.message, "not supported")) << to_string(d);
  }
  ASSERT_EQ(ds.entries.size(), 2u);
}

TEST(DatasetConfigLoader, ExampleResolvesTheSpecValues) {
  test::TempDir tmp;
  Diagnostics diags;
  DatasetConfigs ds =
      parse_dataset_config(with_data_dir(read_json(kExample), tmp.path().string()).dump(),
                           "multidatabackend.json", DatasetDefaults{}, diags);
  ASSERT_FALSE(has_errors(diags)) << dump(diags);

  const DatasetConfig* video = ds.find("disney-black-and-white");
  ASSERT_NE(video, nullptr);
  EXPECT_EQ(video->index, 0u);
  EXPECT_EQ(video->source, "multidatabackend.json");
  EXPECT_EQ(video->dataset_type, DatasetType::kVideo);
  EXPECT_FALSE(video->crop);
  EXPECT_EQ(video->resolution, 480);
  EXPECT_EQ(video->resolution_type, ResolutionType::kPixelArea);
  EXPECT_EQ(video->minimum_image_size, 480);
  EXPECT_EQ(video->maximum_image_size, 480);
  EXPECT_EQ(video->target_downsample_size, 480);
  EXPECT_EQ(video->caption_strategy, CaptionStrategy::kTextfile);
  EXPECT_EQ(video->repeats, 0);
  EXPECT_EQ(video->cache_dir_vae, "cache/vae/wan/disney-black-and-white");
  EXPECT_EQ(video->text_embeds, "text-embeds");  // the default entry
  EXPECT_EQ(video->train_batch_size, 4);         // the global default
  EXPECT_EQ(video->probability, 1.0);
  ASSERT_TRUE(video->video.has_value());
  EXPECT_EQ(video->video->num_frames, 73);  // 75 rounded down to 4k+1
  EXPECT_EQ(video->video->min_frames, 73);
  EXPECT_EQ(video->video->bucket_strategy, BucketStrategy::kAspectRatio);
  EXPECT_FALSE(video->video->is_i2v);  // t2v flavour

  const DatasetConfig* text = ds.default_text_embeds();
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(text->id, "text-embeds");
  EXPECT_EQ(text->index, 1u);
  EXPECT_EQ(text->cache_dir, "cache/text/wan");
  EXPECT_EQ(text->write_batch_size, 128);
}

TEST(DatasetConfigLoader, I2vFragmentResolvesItsConditioningBackend) {
  test::TempDir tmp;
  json video = read_json(REEL_FIXTURES_DIR "/../examples/i2v-dataset-entry.fragment.json");
  video["instance_data_dir"] = tmp.path().string();
  json file = json::array(
      {video, read_json(REEL_FIXTURES_DIR "/../examples/conditioning-backend.fragment.json"),
       read_json(kExample)[1]});
  DatasetDefaults d;
  d.model_flavour = "i2v-14b-2.2-high";
  auto p = parse_datasets(file, d);
  ASSERT_FALSE(has_errors(p.diags)) << dump(p.diags);

  const DatasetConfig* v = p.datasets.find("disney-black-and-white");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->conditioning_image_embeds, "disney-conditioning");
  EXPECT_EQ(v->cache_dir_conditioning_image_embeds,
            "cache/conditioning_image_embeds/disney-black-and-white");
  ASSERT_TRUE(v->video.has_value());
  EXPECT_TRUE(v->video->is_i2v);        // forced by the i2v- flavour
  EXPECT_EQ(v->video->num_frames, 73);  // framerate 15 x 5 = 75, rounded down
  EXPECT_EQ(with(p.diags, Severity::kWarning, "video.num_frames").size(), 1u) << dump(p.diags);
  const DatasetConfig* backend = p.datasets.find("disney-conditioning");
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->dataset_type, DatasetType::kConditioningImageEmbeds);
  EXPECT_EQ(backend->cache_dir, "cache/conditioning_image_embeds/disney-conditioning");

  // The same reference to a disabled backend dangles.
  file[1]["disabled"] = true;
  auto broken = parse_datasets(file, d);
  auto errors = with(broken.diags, Severity::kError, "conditioning_image_embeds");
  ASSERT_EQ(errors.size(), 1u) << dump(broken.diags);
  EXPECT_TRUE(contains(errors[0].message, "'disney-conditioning'")) << errors[0].message;
  EXPECT_TRUE(contains(errors[0].message, "is disabled")) << errors[0].message;
}

TEST(DatasetConfigLoader, ConditioningEmbedFolderDefaultsFromTheLinkedEntry) {
  test::TempDir tmp;
  json file = test::video_and_text_embeds(tmp.path().string(),
                                          {{"conditioning_image_embeds", "clip-embeds"}});
  file.push_back({{"id", "clip-embeds"},
                  {"type", "local"},
                  {"dataset_type", "conditioning_image_embeds"},
                  {"cache_dir", "cache/clip"}});
  auto p = parse_datasets(file);
  ASSERT_FALSE(has_errors(p.diags)) << dump(p.diags);
  EXPECT_EQ(p.datasets.find("clips")->cache_dir_conditioning_image_embeds, "cache/clip");

  file.erase(2);
  file[0].erase("conditioning_image_embeds");
  auto plain = parse_datasets(file);
  EXPECT_EQ(plain.datasets.find("clips")->cache_dir_conditioning_image_embeds,
            "cache/conditioning_image_embeds/clips");
}

TEST(DatasetConfigLoader, DefaultsComeFromTheGlobalOptions) {
  test::TempDir tmp;
  json file = test::video_and_text_embeds(tmp.path().string());
  file[1].erase("default");  // checked below: a lone entry becomes the default
  DatasetDefaults d;
  d.output_dir = "out";
  d.model_family = "wan";
  d.train_batch_size = 3;
  d.cache_dir_text = "textcache";
  d.resolution = 720;
  d.caption_strategy = CaptionStrategy::kTextfile;
  d.delete_problematic_images = true;
  auto p = parse_datasets(file, d);
  ASSERT_FALSE(has_errors(p.diags)) << dump(p.diags);
  const DatasetConfig* v = p.datasets.find("clips");
  EXPECT_EQ(v->cache_dir_vae, "out/cache/vae/wan/clips");
  EXPECT_EQ(v->train_batch_size, 3);
  EXPECT_EQ(v->resolution, 720);
  EXPECT_EQ(v->caption_strategy, CaptionStrategy::kTextfile);
  EXPECT_TRUE(v->delete_problematic_images);
  EXPECT_EQ(v->write_batch_size, 1);  // video latents are written one clip at a time
  EXPECT_EQ(v->text_embeds, "text-embeds");
  EXPECT_EQ(p.datasets.find("text-embeds")->cache_dir, "textcache");
  EXPECT_EQ(p.datasets.find("text-embeds")->train_batch_size, 0);  // not read for caches
}

TEST(DatasetConfigLoader, RelativeDataDirResolvesAgainstTheCurrentDirectory) {
  test::TempDir tmp;
  std::filesystem::create_directories(tmp / "data" / "clips");
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(tmp.path());
  auto p = parse_datasets(test::video_and_text_embeds("data/clips"));
  auto missing = parse_datasets(test::video_and_text_embeds("data/nothing"));
  std::filesystem::current_path(cwd);
  EXPECT_FALSE(has_errors(p.diags)) << dump(p.diags);
  auto errors = with(missing.diags, Severity::kError, "instance_data_dir");
  ASSERT_EQ(errors.size(), 1u) << dump(missing.diags);
  EXPECT_TRUE(contains(errors[0].message, "'data/nothing' does not exist")) << errors[0].message;
  // Cache folders need not exist.
  EXPECT_TRUE(with(p.diags, Severity::kError, "cache_dir_vae").empty());
}

TEST(DatasetConfigLoader, DuplicateIdsNameBothEntries) {
  test::TempDir tmp;
  json file = test::video_and_text_embeds(tmp.path().string());
  json twin = file[0];
  file.push_back(twin);
  auto p = parse_datasets(file);
  auto errors = with(p.diags, Severity::kError, "id");
  ASSERT_EQ(errors.size(), 1u) << dump(p.diags);
  EXPECT_TRUE(contains(errors[0].message, "'clips' is used by entries 1 and 3"))
      << errors[0].message;

  // A disabled twin takes part in no rule.
  file[2]["disabled"] = true;
  EXPECT_FALSE(has_errors(parse_datasets(file).diags));
  file[2].erase("disabled");
  file[2]["disable"] = "true";  // ST's alias, string form
  EXPECT_FALSE(has_errors(parse_datasets(file).diags));
}

TEST(DatasetConfigLoader, DisabledEntriesAreReadLeniently) {
  test::TempDir tmp;
  json file = test::video_and_text_embeds(tmp.path().string());
  file.push_back({{"id", "old"},
                  {"type", "aws"},
                  {"disabled", true},
                  {"crop_style", "middle"},
                  {"instance_data_dir", "/no/such/folder"}});
  auto p = parse_datasets(file);
  EXPECT_FALSE(has_errors(p.diags)) << dump(p.diags);
  for (const auto& d : p.diags) EXPECT_FALSE(contains(d.file, "entry 3")) << to_string(d);
  ASSERT_EQ(p.datasets.entries.size(), 3u);
  EXPECT_TRUE(p.datasets.entries[2].disabled);
  EXPECT_EQ(p.datasets.find("old"), nullptr);  // find() sees enabled entries only
}

TEST(DatasetConfigLoader, NeedsExactlyOneDefaultTextEmbeds) {
  test::TempDir tmp;
  json file = test::video_and_text_embeds(tmp.path().string());
  json second = {{"id", "other-text"}, {"type", "local"}, {"dataset_type", "text_embeds"}};

  json none = file;
  none[1].erase("default");
  none.push_back(second);
  auto zero = parse_datasets(none);
  auto errors = with(zero.diags, Severity::kError, "default");
  ASSERT_EQ(errors.size(), 1u) << dump(zero.diags);
  EXPECT_TRUE(contains(errors[0].message, "none sets \"default\": true")) << errors[0].message;
  EXPECT_TRUE(contains(errors[0].message, "'text-embeds' (entry 2), 'other-text' (entry 3)"))
      << errors[0].message;

  json both = file;
  second["default"] = true;
  both.push_back(second);
  auto two = parse_datasets(both);
  errors = with(two.diags, Severity::kError, "default");
  ASSERT_EQ(errors.size(), 1u) << dump(two.diags);
  EXPECT_TRUE(contains(errors[0].message, "2 text_embeds entries set \"default\": true"))
      << errors[0].message;
  EXPECT_TRUE(contains(errors[0].message, "'text-embeds' (entry 2), 'other-text' (entry 3)"));

  // One of the two disabled: the other is the default.
  both[2]["disabled"] = true;
  EXPECT_FALSE(has_errors(parse_datasets(both).diags));

  // A lone entry without `default` is the default, with ST's warning.
  json lone = file;
  lone[1].erase("default");
  auto one = parse_datasets(lone);
  EXPECT_FALSE(has_errors(one.diags)) << dump(one.diags);
  EXPECT_EQ(with(one.diags, Severity::kWarning, "default").size(), 1u) << dump(one.diags);
  ASSERT_NE(one.datasets.default_text_embeds(), nullptr);
  EXPECT_EQ(one.datasets.find("clips")->text_embeds, "text-embeds");

  // No text_embeds entry at all.
  json missing = json::array({file[0]});
  EXPECT_EQ(with(parse_datasets(missing).diags, Severity::kError, "dataset_type").size(), 1u);
}

TEST(DatasetConfigLoader, DanglingReferencesNameKeyIdAndWhatExists) {
  test::TempDir tmp;
  json file = test::video_and_text_embeds(tmp.path().string(), {{"text_embeds", "text-embed"}});
  auto p = parse_datasets(file);
  auto errors = with(p.diags, Severity::kError, "text_embeds");
  ASSERT_EQ(errors.size(), 1u) << dump(p.diags);
  EXPECT_TRUE(contains(errors[0].file, "dataset 'clips' (entry 1)")) << errors[0].file;
  EXPECT_TRUE(contains(errors[0].message, "text_embeds names 'text-embed'")) << errors[0].message;
  EXPECT_TRUE(contains(errors[0].message, "enabled text_embeds entries: 'text-embeds'"))
      << errors[0].message;
  EXPECT_EQ(errors[0].hint, "did you mean 'text-embeds'?");

  // A reference to an entry of the wrong dataset_type.
  file[0]["text_embeds"] = "text-embeds";
  file[0]["image_embeds"] = "clips";
  file[0]["conditioning_data"] = json::array({"edges"});
  p = parse_datasets(file);
  errors = with(p.diags, Severity::kError, "image_embeds");
  ASSERT_EQ(errors.size(), 1u) << dump(p.diags);
  EXPECT_TRUE(contains(errors[0].message, "is a video entry, not an image_embeds entry"))
      << errors[0].message;
  EXPECT_TRUE(contains(errors[0].message, "there is no enabled image_embeds entry"));
  errors = with(p.diags, Severity::kError, "conditioning_data");
  ASSERT_EQ(errors.size(), 1u) << dump(p.diags);
  EXPECT_TRUE(contains(errors[0].message, "'edges', which is not the id of any entry"));
  EXPECT_TRUE(with(p.diags, Severity::kError, "text_embeds").empty()) << dump(p.diags);
}

TEST(DatasetConfigLoader, NotAnArrayIsAnError) {
  test::TempDir tmp;
  auto path = tmp.write("multidatabackend.json", R"({"id": "clips", "type": "local"})");
  Diagnostics diags;
  DatasetConfigs ds = load_dataset_config(path, DatasetDefaults{}, diags);
  EXPECT_TRUE(ds.entries.empty());
  ASSERT_EQ(diags.size(), 1u) << dump(diags);
  EXPECT_EQ(diags[0].severity, Severity::kError);
  EXPECT_EQ(diags[0].file, path.string());
  EXPECT_TRUE(contains(diags[0].message, "expected a JSON array of dataset objects, found object"))
      << diags[0].message;

  diags.clear();
  parse_dataset_config(R"([{"id": "a"}, 42])", "x.json", DatasetDefaults{}, diags);
  bool named = false;
  for (const auto& d : diags) {
    named = named || (d.file == "x.json: entry 2" && contains(d.message, "found number 42"));
  }
  EXPECT_TRUE(named) << dump(diags);
}

TEST(DatasetConfigLoader, InvalidJsonNamesFileAndLine) {
  test::TempDir tmp;
  auto path = tmp.write("bad.json", "[\n  {\n    \"id\": \"clips\",\n  }\n]\n");
  Diagnostics diags;
  load_dataset_config(path, DatasetDefaults{}, diags);
  ASSERT_EQ(diags.size(), 1u) << dump(diags);
  EXPECT_EQ(diags[0].severity, Severity::kError);
  EXPECT_EQ(diags[0].file, path.string() + ":4");
  EXPECT_TRUE(contains(diags[0].message, "invalid JSON: parse error at line 4"))
      << diags[0].message;

  diags.clear();
  load_dataset_config(tmp / "absent.json", DatasetDefaults{}, diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_TRUE(contains(diags[0].message, "cannot read")) << diags[0].message;
}

}  // namespace
}  // namespace reel
