#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/dataset_keys.h"
#include "config/dataset_test_support.h"
#include "config/tsv_table.h"
#include "support/temp_dir.h"

namespace reel::embedded {
extern const char* const st_dataset_keys_tsv;
}

namespace reel {
namespace {

using nlohmann::json;
using test::dump;

std::vector<std::string> st_rows() {
  TsvTable table(embedded::st_dataset_keys_tsv, "st_dataset_keys.tsv");
  std::vector<std::string> names;
  for (size_t i = 0; i < table.rows(); ++i) names.push_back(table.at(i, "name"));
  return names;
}

bool top_level(const std::string& name) {
  return name.find_first_of(".[") == std::string::npos;
}

TEST(DatasetKeys, EveryStRowIsRecognised) {
  auto rows = st_rows();
  ASSERT_GT(rows.size(), 300u);  // the spec's list, not an empty embed
  for (const auto& name : rows) {
    EXPECT_NE(classify_dataset_key(name), DatasetKeyKind::kUnknown) << name;
  }
  EXPECT_EQ(classify_dataset_key("instance_data_dri"), DatasetKeyKind::kUnknown);
}

TEST(DatasetKeys, ReelKeysAreStKeysAndTheSpecFields) {
  auto rows = st_rows();
  for (const auto& key : reel_dataset_keys()) {
    EXPECT_NE(std::find(rows.begin(), rows.end(), key), rows.end()) << key << " is not an ST key";
    EXPECT_EQ(classify_dataset_key(key), DatasetKeyKind::kReel) << key;
  }
  for (const char* key : {"id", "video.num_frames", "video.min_frames", "video.is_i2v",
                          "conditioning_image_embeds", "train_batch_size", "disable"}) {
    EXPECT_EQ(classify_dataset_key(key), DatasetKeyKind::kReel) << key;
  }
  for (const char* key : {"vae_batch_size", "video.fps", "aws_bucket_name", "parquet",
                          "conditioning[].type", "caption_shuffle.count"}) {
    EXPECT_EQ(classify_dataset_key(key), DatasetKeyKind::kSimpleTunerOnly) << key;
  }
}

TEST(DatasetKeys, DidYouMeanCandidatesStayInTheirBlock) {
  auto video = known_dataset_keys_in("video");
  EXPECT_NE(std::find(video.begin(), video.end(), "video.num_frames"), video.end());
  EXPECT_EQ(std::find(video.begin(), video.end(), "resolution"), video.end());
  auto top = known_dataset_keys_in("");
  EXPECT_NE(std::find(top.begin(), top.end(), "instance_data_dir"), top.end());
  EXPECT_EQ(std::find(top.begin(), top.end(), "video.num_frames"), top.end());
}

// Every top-level ST key written into one dataset: Reel's are silent, each of the others gets
// exactly the one "not supported" line; no key is reported as unknown.
TEST(DatasetKeys, EveryTopLevelStKeyInAnEntryIsAcceptedOrWarnedOnce) {
  test::TempDir tmp;
  json file = test::video_and_text_embeds(tmp.path().string());
  json& entry = file[0];
  std::vector<std::string> st_only;
  for (const auto& name : st_rows()) {
    if (!top_level(name) || entry.contains(name)) continue;
    entry[name] = nullptr;  // null reads as "not set", so only the key itself is judged
    if (classify_dataset_key(name) == DatasetKeyKind::kSimpleTunerOnly) st_only.push_back(name);
  }
  auto p = test::parse_datasets(file);
  for (const auto& d : p.diags) {
    EXPECT_NE(d.message, "unknown dataset key, ignored") << to_string(d);
  }
  for (const auto& name : st_only) {
    auto w = test::with(p.diags, Severity::kWarning, name);
    ASSERT_EQ(w.size(), 1u) << name << "\n" << dump(p.diags);
    EXPECT_EQ(w[0].message,
              "SimpleTuner option " + name + " is not supported by Reel and is ignored");
  }
  for (const auto& key : reel_dataset_keys()) {
    if (!top_level(key)) continue;
    for (const auto& d : test::with(p.diags, Severity::kWarning, key)) {
      EXPECT_FALSE(test::contains(d.message, "not supported")) << to_string(d);
    }
  }
}

}  // namespace
}  // namespace reel
