#include "data/tensor_cache.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <zstd.h>

#include <cstring>
#include <filesystem>
#include <limits>
#include <thread>

#include "core/error.h"
#include "core/safetensors.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using test::contains_text;
using test::error_of;

using Tensors = std::vector<std::pair<std::string, at::Tensor>>;

// Same dtype, shape and bytes (NaN-safe).
void expect_identical(const at::Tensor& actual, const at::Tensor& expected) {
  ASSERT_EQ(actual.scalar_type(), expected.scalar_type());
  ASSERT_EQ(actual.sizes(), expected.sizes());
  at::Tensor a = actual.contiguous(), e = expected.contiguous();
  ASSERT_EQ(a.nbytes(), e.nbytes());
  EXPECT_EQ(std::memcmp(a.data_ptr(), e.data_ptr(), a.nbytes()), 0);
}

Tensors sample_tensors() {
  at::manual_seed(11);
  at::Tensor f = at::randn({2, 3, 4});
  f[0][0][0] = std::numeric_limits<float>::quiet_NaN();
  f[0][0][1] = -0.0f;
  return {{"latents", f},
          {"mask", at::tensor({1, 1, 0}, at::kLong)},
          {"half", at::randn({5}).to(at::kBFloat16)}};
}

void truncate_file(const fs::path& p, uintmax_t keep) {
  ASSERT_GT(fs::file_size(p), keep);
  fs::resize_file(p, keep);
}

class TensorCacheFormats : public ::testing::TestWithParam<bool> {};

TEST_P(TensorCacheFormats, RoundTripsBitExactWithMetadata) {
  const bool compress = GetParam();
  test::TempDir dir;
  TensorCache cache(dir / "cache", compress);
  EXPECT_EQ(cache.state("a", "k1"), CacheState::kMissing);
  EXPECT_FALSE(fs::exists(dir / "cache"));  // created on the first write

  const Tensors tensors = sample_tensors();
  cache.write("a", "k1", tensors, {{"source", "clips/a.mp4"}, {"frames", "5"}});
  const fs::path file = dir / "cache" / (compress ? "a.safetensors.zst" : "a.safetensors");
  EXPECT_TRUE(fs::exists(file));
  EXPECT_EQ(cache.path_for("a"), file);
  EXPECT_EQ(test::dir_entries(dir / "cache"), std::vector<std::string>{file.filename().string()});
  EXPECT_EQ(cache.state("a", "k1"), CacheState::kValid);

  const CacheEntry e = cache.read("a");
  ASSERT_EQ(e.tensors.size(), 3u);
  for (const auto& [name, t] : tensors) {
    SCOPED_TRACE(name);
    expect_identical(e.get(name), t);
    EXPECT_EQ(e.get(name).device(), at::kCPU);
  }
  EXPECT_EQ(e.metadata,
            (std::map<std::string, std::string>{{"source", "clips/a.mp4"}, {"frames", "5"}}));
}

TEST_P(TensorCacheFormats, TellsStaleAndCorruptEntries) {
  const bool compress = GetParam();
  test::TempDir dir;
  TensorCache cache(dir.path(), compress);
  cache.write("e", "key-1", sample_tensors());
  EXPECT_EQ(cache.state("e", "key-1"), CacheState::kValid);
  EXPECT_EQ(cache.state("e", "key-2"), CacheState::kStale);
  EXPECT_EQ(cache.state("other", "key-1"), CacheState::kMissing);

  const fs::path file = cache.path_for("e");
  truncate_file(file, fs::file_size(file) - 3);
  EXPECT_EQ(cache.state("e", "key-1"), CacheState::kCorrupt);
  std::string what = error_of([&] { cache.read("e"); });
  EXPECT_TRUE(contains_text(what, file.string())) << what;
  EXPECT_TRUE(contains_text(what, "corrupt")) << what;

  cache.write("e", "key-1", sample_tensors());  // rebuilt
  EXPECT_EQ(cache.state("e", "key-1"), CacheState::kValid);

  test::TempDir other;
  const fs::path junk = other.write(file.filename().string(), "this is not a cache entry");
  EXPECT_EQ(TensorCache(other.path(), compress).state("e", "key-1"), CacheState::kCorrupt);
  fs::resize_file(junk, 0);
  EXPECT_EQ(TensorCache(other.path(), compress).state("e", "key-1"), CacheState::kCorrupt);
}

TEST_P(TensorCacheFormats, ReadingAMissingEntryNamesTheFile) {
  test::TempDir dir;
  TensorCache cache(dir.path(), GetParam());
  const std::string what = error_of([&] { cache.read("sub/none"); });
  EXPECT_TRUE(contains_text(what, (dir / "sub" / "none").string())) << what;
  EXPECT_TRUE(contains_text(what, "does not exist")) << what;
}

INSTANTIATE_TEST_SUITE_P(Formats, TensorCacheFormats, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "zstd" : "plain"; });

TEST(TensorCache, CompressedFileIsZstdOfTheSafetensorsBytes) {
  test::TempDir dir;
  TensorCache cache(dir.path(), true);
  const at::Tensor zeros = at::zeros({64, 64});
  cache.write("z", "key", {{"zeros", zeros}});
  const std::string frame = test::read_file(dir / "z.safetensors.zst");
  EXPECT_LT(frame.size(), 1000u);  // 16 KiB of zeros compress well

  // Decompressed here with libzstd alone, the bytes are a plain safetensors file.
  const unsigned long long n = ZSTD_getFrameContentSize(frame.data(), frame.size());
  ASSERT_NE(n, ZSTD_CONTENTSIZE_ERROR);
  ASSERT_NE(n, ZSTD_CONTENTSIZE_UNKNOWN);
  std::string plain(n, '\0');
  ASSERT_EQ(ZSTD_decompress(plain.data(), plain.size(), frame.data(), frame.size()), n);
  const fs::path out = dir.write("plain/z.safetensors", plain);
  const SafetensorsFile f = SafetensorsFile::open(out);
  expect_identical(f.tensor("zeros"), zeros);
  EXPECT_EQ(f.metadata().at("reel_cache_key"), "key");
}

TEST(TensorCache, DamagedCompressedDataIsCorrupt) {
  test::TempDir dir;
  TensorCache cache(dir.path(), true);
  at::manual_seed(2);
  cache.write("d", "key", {{"x", at::randn({256})}});
  const fs::path file = cache.path_for("d");
  std::string bytes = test::read_file(file);
  bytes[bytes.size() / 2] ^= 0x5a;  // the frame's checksum catches what decodes anyway
  dir.write("d.safetensors.zst", bytes);
  EXPECT_EQ(cache.state("d", "key"), CacheState::kCorrupt);
  const std::string what = error_of([&] { cache.read("d"); });
  EXPECT_TRUE(contains_text(what, file.string())) << what;
}

TEST(TensorCache, WritingReplacesTheOtherFormatAndEitherIsRead) {
  test::TempDir dir;
  TensorCache plain(dir.path(), false), packed(dir.path(), true);
  plain.write("e", "k", {{"x", at::ones({3})}});
  EXPECT_EQ(packed.state("e", "k"), CacheState::kValid);  // either format is read
  expect_identical(packed.read("e").get("x"), at::ones({3}));

  packed.write("e", "k", {{"x", at::zeros({3})}});
  EXPECT_EQ(test::dir_entries(dir.path()), std::vector<std::string>{"e.safetensors.zst"});
  expect_identical(plain.read("e").get("x"), at::zeros({3}));

  plain.write("e", "k", {{"x", at::full({3}, 2.0)}});
  EXPECT_EQ(test::dir_entries(dir.path()), std::vector<std::string>{"e.safetensors"});
}

TEST(TensorCache, SubfoldersRemoveAndDiskBytes) {
  test::TempDir dir;
  TensorCache cache(dir / "c", true);
  EXPECT_EQ(cache.disk_bytes(), 0u);
  cache.write("a/b/one", "k", {{"x", at::arange(100)}});
  TensorCache(dir / "c", false).write("two", "k", {{"x", at::arange(10)}});
  dir.write("c/notes.txt", "not an entry");
  const uint64_t expected =
      fs::file_size(dir / "c/a/b/one.safetensors.zst") + fs::file_size(dir / "c/two.safetensors");
  EXPECT_EQ(cache.disk_bytes(), expected);

  cache.remove("a/b/one");
  cache.remove("two");
  cache.remove("never-written");
  EXPECT_EQ(cache.state("a/b/one", "k"), CacheState::kMissing);
  EXPECT_EQ(cache.state("two", "k"), CacheState::kMissing);
  EXPECT_EQ(cache.disk_bytes(), 0u);

  EXPECT_TRUE(contains_text(error_of([&] {
                              cache.write("../out", "k", {{"x", at::ones({1})}});
                            }),
                            "leaves the cache folder"));
}

TEST(TensorCache, MissingTensorIsNamed) {
  test::TempDir dir;
  TensorCache cache(dir.path(), false);
  cache.write("e", "k", {{"latents", at::ones({1})}}, {{"source", "clips/a.mp4"}});
  const CacheEntry e = cache.read("e");
  const std::string what = error_of([&] { e.get("first_frame_latents"); });
  EXPECT_TRUE(contains_text(what, "first_frame_latents")) << what;
  EXPECT_TRUE(contains_text(what, "clips/a.mp4")) << what;
  EXPECT_TRUE(contains_text(what, "'latents'")) << what;
}

TEST(TensorCache, ConcurrentWritersLeaveOneWholeEntry) {
  for (bool compress : {false, true}) {
    SCOPED_TRACE(compress ? "zstd" : "plain");
    test::TempDir dir;
    TensorCache cache(dir / "sub", compress);
    constexpr int kThreads = 8;
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&cache, i] {
        for (int round = 0; round < 3; ++round) {
          cache.write("shared/entry", "key", {{"x", at::full({512}, static_cast<float>(i))}});
        }
      });
    }
    for (std::thread& t : threads) t.join();

    EXPECT_EQ(cache.state("shared/entry", "key"), CacheState::kValid);
    const at::Tensor x = cache.read("shared/entry").get("x");
    const float v = x[0].item<float>();
    EXPECT_TRUE(at::equal(x, at::full({512}, v)));  // one writer's tensor, whole
    EXPECT_GE(v, 0.0f);
    EXPECT_LT(v, kThreads);
    EXPECT_EQ(test::dir_entries(dir / "sub" / "shared"),
              std::vector<std::string>{compress ? "entry.safetensors.zst" : "entry.safetensors"});
  }
}

TEST(CacheState, Names) {
  EXPECT_STREQ(to_string(CacheState::kMissing), "missing");
  EXPECT_STREQ(to_string(CacheState::kStale), "stale");
  EXPECT_STREQ(to_string(CacheState::kCorrupt), "corrupt");
  EXPECT_STREQ(to_string(CacheState::kValid), "valid");
}

}  // namespace
}  // namespace reel
