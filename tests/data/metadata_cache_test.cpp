#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>

#include "data/metadata_cache.h"
#include "data/scan_test_support.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

using test::FakeProbe;
using test::TempDir;

struct CacheFixture : ::testing::Test {
  TempDir t;
  fs::path dir = t / "clips";
  fs::path meta = t / "meta/clips.json";
  FakeProbe probe;

  void SetUp() override {
    t.write("clips/a_1920x1080_81f.mp4", "a");
    t.write("clips/b_1080x1920_81f.mp4", "b");
    t.write("clips/sub/c_1440x1080_81f.mp4", "c");
  }
  DatasetScan scan(const DatasetConfig& d) {
    probe.reset();
    return scan_dataset(d, test::scan_options(probe, meta));
  }
};

TEST_F(CacheFixture, SecondScanOfAnUnchangedFolderProbesNothing) {
  DatasetConfig d = test::video_dataset(dir);
  DatasetScan first = scan(d);
  EXPECT_EQ(probe.count(), 3u);
  EXPECT_EQ(first.probed, 3);
  ASSERT_TRUE(fs::exists(meta));

  DatasetScan second = scan(d);
  EXPECT_EQ(probe.count(), 0u);
  EXPECT_EQ(second.probed, 0);
  ASSERT_EQ(second.samples.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(second.samples[i].relative_path, first.samples[i].relative_path);
    EXPECT_EQ(second.samples[i].bucket, first.samples[i].bucket);
    EXPECT_EQ(second.samples[i].info.width, first.samples[i].info.width);
    EXPECT_EQ(second.samples[i].info.frame_count, 81);
  }
}

TEST_F(CacheFixture, ARewrittenOrTouchedFileIsProbedAgainAlone) {
  DatasetConfig d = test::video_dataset(dir);
  scan(d);
  t.write("clips/b_1080x1920_81f.mp4", "longer content");  // new size
  scan(d);
  EXPECT_EQ(*probe.calls, std::vector<std::string>{"b_1080x1920_81f.mp4"});

  fs::path c = dir / "sub/c_1440x1080_81f.mp4";
  fs::last_write_time(c, fs::last_write_time(c) + std::chrono::seconds(5));  // same size
  scan(d);
  EXPECT_EQ(*probe.calls, std::vector<std::string>{"c_1440x1080_81f.mp4"});
}

TEST_F(CacheFixture, ChangedSettingsRebucketWithoutProbing) {
  DatasetConfig d = test::video_dataset(dir);
  DatasetScan at480 = scan(d);
  EXPECT_EQ(at480.samples[0].geometry.target_w, 640);  // a: 1920x1080 -> 640x352
  d.resolution = 720;
  DatasetScan at720 = scan(d);
  EXPECT_EQ(probe.count(), 0u);
  EXPECT_EQ(at720.samples[0].geometry.target_w, 928);  // 720 pixel_area: 928x512
  EXPECT_EQ(at720.samples[0].bucket, "1.81");
}

TEST_F(CacheFixture, UnreadableFilesAreRememberedToo) {
  t.write("clips/broken.mp4", "junk");
  DatasetConfig d = test::video_dataset(dir);
  DatasetScan first = scan(d);
  EXPECT_EQ(probe.count(), 4u);
  DatasetScan second = scan(d);
  EXPECT_EQ(probe.count(), 0u);
  ASSERT_EQ(second.skipped.size(), 1u);
  EXPECT_EQ(second.skipped[0].reason, SkipReason::kUnreadable);
  EXPECT_EQ(second.skipped[0].detail, "moov atom not found");
}

TEST_F(CacheFixture, CorruptOrForeignMetadataIsIgnoredAndRewritten) {
  DatasetConfig d = test::video_dataset(dir);
  for (const std::string bad :
       {std::string("{\"format\": \"reel-dataset-metadata\", \"vers"),  // cut short
        std::string(R"({"format": "reel-dataset-metadata", "version": 99, "dataset": "clips",
                        "files": {}})"),
        std::string(R"({"format": "reel-dataset-metadata", "version": 1, "dataset": "other",
                        "files": {}})"),
        std::string(R"({"format": "reel-dataset-metadata", "version": 1, "dataset": "clips",
                        "files": {"a_1920x1080_81f.mp4": {"size": "big"}}})"),
        std::string("[1, 2, 3]")}) {
    fs::create_directories(meta.parent_path());
    std::ofstream(meta, std::ios::trunc) << bad;
    testing::internal::CaptureStderr();
    DatasetScan s = scan(d);
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(probe.count(), 3u) << bad;
    EXPECT_EQ(s.samples.size(), 3u);
    EXPECT_NE(log.find("ignoring the metadata cache"), std::string::npos) << log;
    auto j = nlohmann::json::parse(test::read_file(meta));
    EXPECT_EQ(j["version"], 1);
    EXPECT_EQ(j["dataset"], "clips");
    EXPECT_EQ(j["files"].size(), 3u);
  }
}

TEST_F(CacheFixture, FileRecordsProbeAndDerivedBucket) {
  DatasetConfig d = test::video_dataset(dir);
  scan(d);
  auto j = nlohmann::json::parse(test::read_file(meta));
  const auto& a = j["files"]["a_1920x1080_81f.mp4"];
  EXPECT_EQ(a["size"], 1);
  EXPECT_EQ(a["probe"]["width"], 1920);
  EXPECT_EQ(a["probe"]["frame_count"], 81);
  EXPECT_EQ(a["bucket"], "1.82");
  EXPECT_EQ(a["frames"], 73);
  EXPECT_EQ(a["geometry"]["target"], nlohmann::json::array({640, 352}));
  EXPECT_TRUE(j["files"].contains("sub/c_1440x1080_81f.mp4"));
}

TEST(MetadataCacheFile, RoundTripsProbeResults) {
  TempDir t;
  MetadataCache cache("ds");
  MetadataEntry& e = cache.entry("x/clip.mp4");
  e.size = 123;
  e.mtime_ns = 1700000000123456789;
  MediaInfo m;
  m.width = 1080;
  m.height = 1920;
  m.rotation = 90;
  m.frame_count = 161;
  m.fps = 29.97002997002997;
  m.duration_s = 5.372;
  m.codec = "hevc";
  m.has_audio = true;
  e.info = m;
  cache.entry("bad.mp4").unreadable = "no video stream";
  cache.save(t / "m.json");

  MetadataCache back = MetadataCache::load(t / "m.json", "ds");
  FileIdentity id{"/abs/x/clip.mp4", 123, 1700000000123456789};
  const MetadataEntry* r = back.unchanged("x/clip.mp4", id);
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->info.has_value());
  EXPECT_EQ(r->info->rotation, 90);
  EXPECT_EQ(r->info->frame_count, 161);
  EXPECT_DOUBLE_EQ(r->info->fps, 29.97002997002997);
  EXPECT_EQ(r->info->codec, "hevc");
  EXPECT_TRUE(r->info->has_audio);
  id.mtime_ns += 1;
  EXPECT_EQ(back.unchanged("x/clip.mp4", id), nullptr);
  FileIdentity bad{"/abs/bad.mp4", 0, 0};
  ASSERT_NE(back.unchanged("bad.mp4", bad), nullptr);
  EXPECT_FALSE(back.unchanged("bad.mp4", bad)->info.has_value());
  EXPECT_EQ(back.unchanged("bad.mp4", bad)->unreadable, "no video stream");
}

}  // namespace
}  // namespace reel
