#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "data/scan_test_support.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

using test::contains_text;
using test::error_of;
using test::FakeProbe;
using test::TempDir;

std::map<std::string, SkippedFile> by_name(const DatasetScan& s) {
  std::map<std::string, SkippedFile> out;
  for (const auto& f : s.skipped) out[fs::path(f.path).filename().string()] = f;
  return out;
}

std::vector<std::string> names(const DatasetScan& s) {
  std::vector<std::string> out;
  for (const auto& x : s.samples) out.push_back(x.relative_path);
  return out;
}

TEST(DatasetScan, BucketsSamplesAndGivesThemCaptionsAndClipLength) {
  TempDir t;
  t.write("clips/b_fox_1920x1080_81f.mp4", "x");
  t.write("clips/a_cat_1080x1920_75f.mov", "x");
  t.write("clips/c_owl_1080x1080_73f.webm", "x");
  FakeProbe probe;
  DatasetScan s = scan_dataset(test::video_dataset(t / "clips"), test::scan_options(probe));
  EXPECT_EQ(s.dataset_id, "clips");
  EXPECT_EQ(s.files_found, 3);
  EXPECT_EQ(s.probed, 3);
  ASSERT_EQ(names(s),
            (std::vector<std::string>{"a_cat_1080x1920_75f.mov", "b_fox_1920x1080_81f.mp4",
                                      "c_owl_1080x1080_73f.webm"}));
  const Sample& cat = s.samples[0];
  EXPECT_EQ(cat.bucket, "0.55");
  EXPECT_EQ(cat.geometry.target_w, 352);
  EXPECT_EQ(cat.geometry.target_h, 640);
  EXPECT_EQ(cat.frames, 73);  // 75 frames are 73 as 4k+1, enough for num_frames 73
  EXPECT_EQ(cat.captions, std::vector<std::string>{"a cat 1080x1920 75f"});
  EXPECT_EQ(cat.file.path, fs::absolute(t / "clips/a_cat_1080x1920_75f.mov").string());
  EXPECT_EQ(cat.file.size, 1u);
  EXPECT_EQ(s.samples[1].bucket, "1.82");
  EXPECT_EQ(s.samples[2].bucket, "1.0");
  EXPECT_EQ(s.samples[2].geometry.target_w, 512);
  EXPECT_EQ(s.bucket_counts,
            (std::map<std::string, int64_t>{{"0.55", 1}, {"1.0", 1}, {"1.82", 1}}));
  EXPECT_TRUE(s.skipped.empty());
}

TEST(DatasetScan, SkipsFilesWithTheirReasons) {
  TempDir t;
  t.write("clips/ok_1920x1080_81f.mp4", "x");
  t.write("clips/ok2_1920x1080_77f.mp4", "x");
  t.write("clips/short_1920x1080_76f.mp4", "x");    // 73 as 4k+1: just enough
  t.write("clips/shorter_1920x1080_72f.mp4", "x");  // 69 < 73
  t.write("clips/long_1920x1080_121f.mp4", "x");    // 121 > 100
  t.write("clips/long2_1920x1080_102f.mp4", "x");   // 101 > 100
  t.write("clips/tiny_320x180_81f.mp4", "x");       // 57600 px < 480²
  t.write("clips/wide_2560x720_81f.mp4", "x");      // aspect above 2.0
  t.write("clips/broken.mp4", "x");
  t.write("clips/ok2_1920x1080_77f.txt", "ignored: filename captions");
  DatasetConfig d = test::video_dataset(t / "clips");
  d.video->max_frames = 100;
  d.minimum_image_size = 480;  // pixel_area, like the resolution
  d.maximum_aspect_ratio = 2.0;
  FakeProbe probe;
  testing::internal::CaptureStderr();
  DatasetScan s = scan_dataset(d, test::scan_options(probe));
  std::string log = testing::internal::GetCapturedStderr();

  EXPECT_EQ(names(s), (std::vector<std::string>{"ok2_1920x1080_77f.mp4", "ok_1920x1080_81f.mp4",
                                                "short_1920x1080_76f.mp4"}));
  auto skipped = by_name(s);
  ASSERT_EQ(skipped.size(), 6u);
  EXPECT_EQ(skipped["shorter_1920x1080_72f.mp4"].reason, SkipReason::kTooFewFrames);
  EXPECT_TRUE(contains_text(skipped["shorter_1920x1080_72f.mp4"].detail, "72 frames (69 as 4k+1)"))
      << skipped["shorter_1920x1080_72f.mp4"].detail;
  EXPECT_TRUE(contains_text(skipped["shorter_1920x1080_72f.mp4"].detail, "at least 73"));
  EXPECT_EQ(skipped["long_1920x1080_121f.mp4"].reason, SkipReason::kTooManyFrames);
  EXPECT_EQ(skipped["long2_1920x1080_102f.mp4"].reason, SkipReason::kTooManyFrames);
  EXPECT_EQ(skipped["tiny_320x180_81f.mp4"].reason, SkipReason::kTooSmall);
  EXPECT_EQ(skipped["wide_2560x720_81f.mp4"].reason, SkipReason::kAspectOutOfRange);
  EXPECT_EQ(skipped["broken.mp4"].reason, SkipReason::kUnreadable);
  EXPECT_EQ(skipped["broken.mp4"].detail, "moov atom not found");
  // Every skipped file is logged with its path and reason.
  for (const auto& f : s.skipped) {
    EXPECT_TRUE(contains_text(log, f.path + ": " + to_string(f.reason))) << f.path << "\n" << log;
  }
}

TEST(DatasetScan, TextfileCaptionsMissingAreSkippedNamingTheTextFile) {
  TempDir t;
  t.write("clips/a_1920x1080_81f.mp4", "x");
  t.write("clips/a_1920x1080_81f.txt", "a fox\na red fox\n");
  t.write("clips/b_1920x1080_81f.mp4", "x");
  t.write("clips/c_1920x1080_81f.mp4", "x");
  t.write("clips/c_1920x1080_81f.txt", "a hen");
  DatasetConfig d = test::video_dataset(t / "clips");
  d.caption_strategy = CaptionStrategy::kTextfile;
  FakeProbe probe;
  DatasetScan s = scan_dataset(d, test::scan_options(probe));
  ASSERT_EQ(s.samples.size(), 2u);
  EXPECT_EQ(s.samples[0].captions, (std::vector<std::string>{"a fox", "a red fox"}));
  ASSERT_EQ(s.skipped.size(), 1u);
  EXPECT_EQ(s.skipped[0].reason, SkipReason::kNoCaption);
  EXPECT_TRUE(contains_text(s.skipped[0].detail, "b_1920x1080_81f.txt")) << s.skipped[0].detail;
}

TEST(DatasetScan, SmallBucketsAreDroppedWithOneWarningEach) {
  TempDir t;
  t.write("clips/a_1920x1080_81f.mp4", "x");
  t.write("clips/b_1920x1080_81f.mp4", "x");
  t.write("clips/c_1080x1920_81f.mp4", "x");  // alone in 0.55
  FakeProbe probe;
  ScanOptions o = test::scan_options(probe);
  o.min_bucket_samples = 2;
  testing::internal::CaptureStderr();
  DatasetScan s = scan_dataset(test::video_dataset(t / "clips"), o);
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(s.bucket_counts, (std::map<std::string, int64_t>{{"1.82", 2}}));
  ASSERT_EQ(s.skipped.size(), 1u);
  EXPECT_EQ(s.skipped[0].reason, SkipReason::kSmallBucket);
  EXPECT_TRUE(contains_text(s.skipped[0].detail, "bucket 0.55 holds 1 sample"))
      << s.skipped[0].detail;
  EXPECT_TRUE(
      contains_text(log, "dropping bucket 0.55: 1 sample x (repeats 0 + 1) = 1, below the 2"))
      << log;
}

TEST(DatasetScan, RepeatsOrOversubscriptionKeepASmallBucket) {
  TempDir t;
  t.write("clips/a_1920x1080_81f.mp4", "x");
  t.write("clips/b_1920x1080_81f.mp4", "x");
  t.write("clips/c_1080x1920_81f.mp4", "x");
  FakeProbe probe;
  ScanOptions o = test::scan_options(probe);
  o.min_bucket_samples = 2;
  DatasetConfig d = test::video_dataset(t / "clips");
  d.repeats = 1;  // 1 x 2 = 2 fills a step
  EXPECT_EQ(scan_dataset(d, o).samples.size(), 3u);

  d.repeats = 0;
  o.min_bucket_samples = 4;  // now both buckets are short
  o.allow_dataset_oversubscription = true;
  testing::internal::CaptureStderr();
  DatasetScan s = scan_dataset(d, o);
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(s.samples.size(), 3u);
  EXPECT_TRUE(s.skipped.empty());
  EXPECT_TRUE(contains_text(log, "allow_dataset_oversubscription")) << log;
}

TEST(DatasetScan, NoSamplesLeftIsAnErrorWithTheArithmetic) {
  TempDir t;
  t.write("clips/a_1920x1080_81f.mp4", "x");
  t.write("clips/b_1080x1920_81f.mp4", "x");
  t.write("clips/c_1080x1920_81f.mp4", "x");
  FakeProbe probe;
  ScanOptions o = test::scan_options(probe);
  o.min_bucket_samples = 4;
  std::string err = error_of([&] { scan_dataset(test::video_dataset(t / "clips"), o); });
  EXPECT_TRUE(contains_text(err, "no samples detected in dataset clips")) << err;
  EXPECT_TRUE(contains_text(err, "bucket 1.82: 1 sample x (repeats 0 + 1) = 1 < 4")) << err;
  EXPECT_TRUE(contains_text(err, "bucket 0.55: 2 samples x (repeats 0 + 1) = 2 < 4")) << err;
  // 1.82 needs ceil(4 / 1) - 1 = 3 repeats, 0.55 needs 1.
  EXPECT_TRUE(contains_text(err, "raise `repeats` on dataset clips to at least 3")) << err;
  EXPECT_TRUE(contains_text(err, "multidatabackend.json")) << err;
}

TEST(DatasetScan, EverythingSkippedIsAnErrorCountingTheReasons) {
  TempDir t;
  t.write("clips/a_1920x1080_40f.mp4", "x");
  t.write("clips/broken.mp4", "x");
  FakeProbe probe;
  std::string err =
      error_of([&] { scan_dataset(test::video_dataset(t / "clips"), test::scan_options(probe)); });
  EXPECT_TRUE(contains_text(err, "no samples detected in dataset clips")) << err;
  EXPECT_TRUE(contains_text(err, "1 too few frames")) << err;
  EXPECT_TRUE(contains_text(err, "1 unreadable")) << err;
}

TEST(DatasetScan, FolderWithoutMediaSaysWhatWasLookedFor) {
  TempDir t;
  t.write("clips/readme.txt", "x");
  t.write("clips/photo_640x480.png", "x");  // an image, not a video
  FakeProbe probe;
  std::string err =
      error_of([&] { scan_dataset(test::video_dataset(t / "clips"), test::scan_options(probe)); });
  EXPECT_TRUE(contains_text(err, "no samples detected in dataset clips")) << err;
  EXPECT_TRUE(contains_text(err, "mp4, mov")) << err;
  EXPECT_EQ(probe.count(), 0u);

  std::string missing = error_of(
      [&] { scan_dataset(test::video_dataset(t / "nowhere"), test::scan_options(probe)); });
  EXPECT_TRUE(contains_text(missing, "instance_data_dir")) << missing;
  EXPECT_TRUE(contains_text(missing, "does not exist")) << missing;
}

TEST(DatasetScan, DeletesOnlyWhatItIsAskedTo) {
  TempDir t;
  t.write("clips/a_1920x1080_81f.mp4", "x");
  t.write("clips/broken.mp4", "x");
  t.write("clips/short_1920x1080_9f.mp4", "x");
  DatasetConfig d = test::video_dataset(t / "clips");
  FakeProbe probe;
  scan_dataset(d, test::scan_options(probe));
  EXPECT_TRUE(fs::exists(t / "clips/broken.mp4"));

  d.delete_problematic_images = true;
  scan_dataset(d, test::scan_options(probe));
  EXPECT_FALSE(fs::exists(t / "clips/broken.mp4"));
  EXPECT_TRUE(fs::exists(t / "clips/short_1920x1080_9f.mp4"));  // filtered, not broken
  EXPECT_TRUE(fs::exists(t / "clips/a_1920x1080_81f.mp4"));

  d.delete_unwanted_images = true;
  scan_dataset(d, test::scan_options(probe));
  EXPECT_FALSE(fs::exists(t / "clips/short_1920x1080_9f.mp4"));
  EXPECT_TRUE(fs::exists(t / "clips/a_1920x1080_81f.mp4"));
}

TEST(DatasetScan, MaxNumSamplesKeepsTheSameSubsetAndProbesOnlyIt) {
  TempDir t;
  for (int i = 0; i < 10; ++i) t.write("clips/c" + std::to_string(i) + "_1920x1080_81f.mp4", "x");
  DatasetConfig d = test::video_dataset(t / "clips");
  d.max_num_samples = 4;
  FakeProbe probe;
  DatasetScan a = scan_dataset(d, test::scan_options(probe));
  EXPECT_EQ(a.samples.size(), 4u);
  EXPECT_EQ(probe.count(), 4u);
  EXPECT_EQ(a.files_found, 10);
  DatasetScan b = scan_dataset(d, test::scan_options(probe));
  const std::vector<std::string> kept = names(a);
  EXPECT_EQ(kept, names(b));
  EXPECT_TRUE(std::is_sorted(kept.begin(), kept.end()));
}

TEST(DatasetScan, ResolutionFramesBucketsByTargetAndFrames) {
  TempDir t;
  t.write("clips/a_1920x1080_121f.mp4", "x");
  t.write("clips/b_1920x1080_81f.mp4", "x");
  DatasetConfig d = test::video_dataset(t / "clips");
  d.video->bucket_strategy = BucketStrategy::kResolutionFrames;
  FakeProbe probe;
  DatasetScan s = scan_dataset(d, test::scan_options(probe));
  EXPECT_EQ(s.samples[0].bucket, "640x352@121");
  EXPECT_EQ(s.samples[1].bucket, "640x352@81");
  EXPECT_EQ(s.samples[0].frames, 73);  // the clip is still the first num_frames
  d.video->frame_interval = 16;
  s = scan_dataset(d, test::scan_options(probe));
  EXPECT_EQ(s.samples[0].bucket, "640x352@112");
  EXPECT_EQ(s.samples[1].bucket, "640x352@80");
}

TEST(DatasetScan, ImageDatasetsListImagesAsOneFrame) {
  TempDir t;
  t.write("imgs/p_1024x1024.png", "x");
  t.write("imgs/q_1600x900.JPG", "x");
  t.write("imgs/clip_1920x1080_81f.mp4", "x");
  DatasetConfig d = test::video_dataset(t / "imgs");
  d.dataset_type = DatasetType::kImage;
  d.video.reset();
  FakeProbe probe;
  DatasetScan s = scan_dataset(d, test::scan_options(probe));
  ASSERT_EQ(s.samples.size(), 2u);
  EXPECT_EQ(s.samples[0].frames, 1);
  EXPECT_EQ(s.samples[0].bucket, "1.0");
  EXPECT_EQ(s.samples[1].relative_path, "q_1600x900.JPG");
}

TEST(DatasetScan, RandomCropsAreTheSameEveryScanForTheSameSeed) {
  TempDir t;
  for (int i = 0; i < 6; ++i) t.write("clips/c" + std::to_string(i) + "_1920x1080_81f.mp4", "x");
  DatasetConfig d = test::video_dataset(t / "clips");
  d.crop = true;
  d.crop_aspect = CropAspect::kSquare;  // 910x512 intermediary: 399 crop positions
  FakeProbe probe;
  ScanOptions o = test::scan_options(probe);
  DatasetScan a = scan_dataset(d, o);
  DatasetScan b = scan_dataset(d, o);
  std::vector<int> xa, xb;
  for (const auto& s : a.samples) xa.push_back(s.geometry.crop_x);
  for (const auto& s : b.samples) xb.push_back(s.geometry.crop_x);
  EXPECT_EQ(xa, xb);
  EXPECT_GT(std::set<int>(xa.begin(), xa.end()).size(), 1u);  // per file, not one for all
}

}  // namespace
}  // namespace reel
