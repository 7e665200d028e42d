#include "core/safetensors_set.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <functional>

#include "core/error.h"
#include "core/safetensors_writer.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using test::contains_text;
using test::error_of;

// A checkpoint in two shards, as diffusers writes it.
struct Sharded {
  test::TempDir dir;
  at::Tensor a = at::arange(6, at::kFloat).reshape({2, 3});
  at::Tensor b = at::ones({4}, at::kBFloat16);
  at::Tensor c = at::tensor({int64_t{5}, int64_t{-5}});

  Sharded() {
    write_safetensors(dir / "model-00001-of-00002.safetensors", {{"a", a}, {"b", b}},
                      {{"format", "pt"}});
    write_safetensors(dir / "model-00002-of-00002.safetensors", {{"c", c}}, {{"format", "pt"}});
    write_index(R"({"a": "model-00001-of-00002.safetensors",
                    "b": "model-00001-of-00002.safetensors",
                    "c": "model-00002-of-00002.safetensors"})");
  }
  fs::path index() const { return dir / "model.safetensors.index.json"; }
  void write_index(const std::string& weight_map) const {
    dir.write("model.safetensors.index.json",
              R"({"metadata": {"total_size": 44}, "weight_map": )" + weight_map + "}");
  }
};

void expect_opened_both_shards(const Sharded& s, const SafetensorsSet& set) {
  ASSERT_EQ(set.files().size(), 2u);
  EXPECT_EQ(set.files()[0], s.dir / "model-00001-of-00002.safetensors");
  EXPECT_EQ(set.files()[1], s.dir / "model-00002-of-00002.safetensors");
  ASSERT_EQ(set.tensors().size(), 3u);
  EXPECT_EQ(set.tensors()[0].name, "a");
  EXPECT_EQ(set.tensors()[1].name, "b");
  EXPECT_EQ(set.tensors()[2].name, "c");
  EXPECT_TRUE(set.contains("c"));
  EXPECT_FALSE(set.contains("d"));
  EXPECT_EQ(set.info("c").dtype, at::kLong);
  EXPECT_EQ(set.info("a").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(at::equal(set.tensor("a"), s.a));
  EXPECT_TRUE(at::equal(set.tensor("b"), s.b));
  EXPECT_TRUE(at::equal(set.tensor("c"), s.c));
  EXPECT_EQ(set.shard_of("c").path(), s.dir / "model-00002-of-00002.safetensors");
  EXPECT_EQ(set.metadata().at("format"), "pt");
}

TEST(SafetensorsSet, OpensAShardedCheckpointThroughItsIndex) {
  Sharded s;
  SafetensorsSet set = SafetensorsSet::open(s.index());
  EXPECT_EQ(set.path(), s.index());
  expect_opened_both_shards(s, set);
  EXPECT_EQ(set.metadata().at("total_size"), "44");  // a number in the index, as text
}

TEST(SafetensorsSet, OpensAFolderThroughTheIndexInIt) {
  Sharded s;
  // A stray file that the index does not list is not read: the index decides.
  write_safetensors(s.dir / "zz-stray.safetensors", {{"a", at::zeros({1})}});
  SafetensorsSet set = SafetensorsSet::open(s.dir.path());
  expect_opened_both_shards(s, set);
  EXPECT_EQ(set.metadata().at("total_size"), "44");
}

TEST(SafetensorsSet, OpensAFolderWithoutIndexAsAllItsFiles) {
  Sharded s;
  fs::remove(s.index());
  s.dir.write("notes.txt", "not weights");
  SafetensorsSet set = SafetensorsSet::open(s.dir.path());
  expect_opened_both_shards(s, set);
  EXPECT_EQ(set.metadata().count("total_size"), 0u);
}

TEST(SafetensorsSet, OpensASingleFile) {
  Sharded s;
  fs::path file = s.dir / "model-00002-of-00002.safetensors";
  SafetensorsSet set = SafetensorsSet::open(file);
  EXPECT_EQ(set.files(), std::vector<fs::path>{file});
  EXPECT_EQ(set.tensors().size(), 1u);
  EXPECT_TRUE(at::equal(set.tensor("c"), s.c));
  std::string what = error_of([&] { set.info("a"); });
  EXPECT_TRUE(contains_text(what, "key 'a'")) << what;
  EXPECT_TRUE(contains_text(what, file.string())) << what;
}

TEST(SafetensorsSet, MissingShardNamesTheIndexAndTheShard) {
  Sharded s;
  fs::remove(s.dir / "model-00002-of-00002.safetensors");
  std::string what = error_of([&] { SafetensorsSet::open(s.index()); });
  EXPECT_TRUE(contains_text(what, s.index().string())) << what;
  EXPECT_TRUE(contains_text(what, "model-00002-of-00002.safetensors")) << what;
  EXPECT_TRUE(contains_text(what, "does not exist")) << what;
}

TEST(SafetensorsSet, TensorTheShardLacksNamesBothFiles) {
  Sharded s;
  s.write_index(R"({"a": "model-00001-of-00002.safetensors",
                    "b": "model-00001-of-00002.safetensors",
                    "c": "model-00002-of-00002.safetensors",
                    "d": "model-00002-of-00002.safetensors"})");
  std::string what = error_of([&] { SafetensorsSet::open(s.index()); });
  EXPECT_TRUE(contains_text(what, s.index().string())) << what;
  EXPECT_TRUE(contains_text(what, "key 'd'")) << what;
  EXPECT_TRUE(contains_text(what, "model-00002-of-00002.safetensors, which does not hold it"))
      << what;
}

TEST(SafetensorsSet, TensorInAnotherShardThanTheIndexSays) {
  Sharded s;
  s.write_index(R"({"a": "model-00001-of-00002.safetensors",
                    "b": "model-00001-of-00002.safetensors",
                    "c": "model-00001-of-00002.safetensors"})");
  // "c" is in shard 2, which the index no longer lists: shard 1 lacks it.
  std::string what = error_of([&] { SafetensorsSet::open(s.index()); });
  EXPECT_TRUE(contains_text(what, "key 'c'")) << what;
  EXPECT_TRUE(contains_text(what, "model-00001-of-00002.safetensors, which does not hold it"))
      << what;

  s.write_index(R"({"a": "model-00001-of-00002.safetensors",
                    "b": "model-00002-of-00002.safetensors",
                    "c": "model-00002-of-00002.safetensors"})");
  what = error_of([&] { SafetensorsSet::open(s.index()); });
  EXPECT_TRUE(contains_text(what, "key 'b'")) << what;
  EXPECT_TRUE(contains_text(
      what, "puts this tensor in " + (s.dir / "model-00002-of-00002.safetensors").string() +
                ", but it is in " + (s.dir / "model-00001-of-00002.safetensors").string()))
      << what;
}

TEST(SafetensorsSet, DuplicateNamesAcrossFilesAreAnError) {
  Sharded s;
  fs::remove(s.index());
  write_safetensors(s.dir / "extra.safetensors", {{"b", at::zeros({1})}});
  std::string what = error_of([&] { SafetensorsSet::open(s.dir.path()); });
  EXPECT_TRUE(contains_text(what, "key 'b'")) << what;
  EXPECT_TRUE(contains_text(what, "in two files")) << what;
  EXPECT_TRUE(contains_text(what, "extra.safetensors")) << what;
  EXPECT_TRUE(contains_text(what, "model-00001-of-00002.safetensors")) << what;
}

TEST(SafetensorsSet, FolderWithoutWeightsSaysWhatWasLookedFor) {
  test::TempDir dir;
  dir.write("config.json", "{}");
  std::string what = error_of([&] { SafetensorsSet::open(dir.path()); });
  EXPECT_TRUE(contains_text(what, dir.path().string())) << what;
  EXPECT_TRUE(contains_text(what, "no *.safetensors.index.json and no *.safetensors file")) << what;
}

TEST(SafetensorsSet, SeveralIndexesInAFolderAreAmbiguous) {
  Sharded s;
  fs::copy_file(s.index(), s.dir / "other.safetensors.index.json");
  std::string what = error_of([&] { SafetensorsSet::open(s.dir.path()); });
  EXPECT_TRUE(contains_text(what, "several indexes")) << what;
  EXPECT_TRUE(contains_text(what, "other.safetensors.index.json")) << what;
}

TEST(SafetensorsSet, BadIndexesAndPaths) {
  test::TempDir dir;
  std::string what = error_of([&] { SafetensorsSet::open(dir / "absent.safetensors"); });
  EXPECT_TRUE(contains_text(what, "absent.safetensors: does not exist")) << what;

  auto no_map = dir.write("a.safetensors.index.json", R"({"metadata": {}})");
  what = error_of([&] { SafetensorsSet::open(no_map); });
  EXPECT_TRUE(contains_text(what, "a.safetensors.index.json")) << what;
  EXPECT_TRUE(contains_text(what, "\"weight_map\"")) << what;

  auto not_json = dir.write("b.safetensors.index.json", "{oops");
  what = error_of([&] { SafetensorsSet::open(not_json); });
  EXPECT_TRUE(contains_text(what, "b.safetensors.index.json")) << what;
  EXPECT_TRUE(contains_text(what, "not valid JSON")) << what;
}

TEST(SafetensorsSet, CorruptShardIsReportedByName) {
  Sharded s;
  s.dir.write("model-00002-of-00002.safetensors", "abc");
  std::string what = error_of([&] { SafetensorsSet::open(s.index()); });
  EXPECT_TRUE(contains_text(what, "model-00002-of-00002.safetensors")) << what;
  EXPECT_TRUE(contains_text(what, "too short")) << what;
}

}  // namespace
}  // namespace reel
