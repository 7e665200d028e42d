#include "data/cache_key.h"

#include <gtest/gtest.h>

#include <xxhash.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

namespace fs = std::filesystem;

// XXH3-128 of `bytes`, as 32 hex digits of its canonical (big-endian) form, computed here in
// one shot, independently of cache_key's streaming.
std::string xxh3_128_hex(const std::string& bytes) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, XXH3_128bits(bytes.data(), bytes.size()));
  char out[33];
  for (int i = 0; i < 16; ++i) std::snprintf(out + 2 * i, 3, "%02x", c.digest[i]);
  return std::string(out, 32);
}

std::string le64(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i));
  return s;
}

TEST(CacheKey, IsTheXxh3Of128BitsOfTheLengthPrefixedParts) {
  // The published XXH3-128 of no bytes (xxHash's test vectors).
  EXPECT_EQ(cache_key({}), "99aa06d3014798d86001c324468d497f");
  EXPECT_EQ(cache_key({"ab", "c"}), xxh3_128_hex(le64(2) + "ab" + le64(1) + "c"));
  EXPECT_EQ(cache_key({""}), xxh3_128_hex(le64(0)));
}

TEST(CacheKey, SeparatesPartsAndIsStable) {
  const std::string k = cache_key({"clips/a.mp4", "640x352", "73"});
  EXPECT_EQ(k.size(), 32u);
  EXPECT_EQ(k.find_first_not_of("0123456789abcdef"), std::string::npos) << k;
  EXPECT_EQ(k, cache_key({"clips/a.mp4", "640x352", "73"}));
  const std::set<std::string> keys = {cache_key({"ab", "c"}), cache_key({"a", "bc"}),
                                      cache_key({"abc"}),     cache_key({"abc", ""}),
                                      cache_key({"", "abc"}), cache_key({})};
  EXPECT_EQ(keys.size(), 6u);
}

void touch(const fs::path& p, std::chrono::seconds offset) {
  fs::last_write_time(p, fs::file_time_type(std::chrono::seconds(1'600'000'000) + offset));
}

TEST(ModelIdentity, FollowsTheWeightsFilesByNameSizeAndTime) {
  test::TempDir dir;
  const fs::path model = dir / "model";
  test::TempDir scratch;
  for (const char* name :
       {"config.json", "vae/diffusion_pytorch_model.safetensors", "tokenizer/spiece.model"}) {
    dir.write(std::string("model/") + name, std::string("weights of ") + name);
    touch(model / name, std::chrono::seconds(0));
  }
  const std::string id = model_identity(model);
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(model_identity(model), id);

  // Files that are not the model and hidden bookkeeping do not count.
  dir.write("model/README.md", "notes");
  dir.write("model/.cache/huggingface/download/config.json", "{}");
  EXPECT_EQ(model_identity(model), id);

  // A copy elsewhere with the same names, sizes and times is the same model.
  fs::copy(model, scratch / "copy", fs::copy_options::recursive);
  for (const char* name :
       {"config.json", "vae/diffusion_pytorch_model.safetensors", "tokenizer/spiece.model"}) {
    touch(scratch / "copy" / name, std::chrono::seconds(0));
  }
  EXPECT_EQ(model_identity(scratch / "copy"), id);

  touch(model / "config.json", std::chrono::seconds(5));
  const std::string touched = model_identity(model);
  EXPECT_NE(touched, id);

  dir.write("model/config.json", "weights of config.json, longer");
  touch(model / "config.json", std::chrono::seconds(5));
  const std::string resized = model_identity(model);
  EXPECT_NE(resized, touched);
  EXPECT_NE(resized, id);

  dir.write("model/vae/extra.safetensors", "x");
  EXPECT_NE(model_identity(model), resized);
}

TEST(ModelIdentity, OfASingleFileAndOfAMissingPath) {
  test::TempDir dir;
  const fs::path file = dir.write("Wan2.1_VAE.safetensors", "abc");
  touch(file, std::chrono::seconds(0));
  const std::string id = model_identity(file);
  touch(file, std::chrono::seconds(1));
  EXPECT_NE(model_identity(file), id);

  const std::string what = test::error_of([&] { model_identity(dir / "nope"); });
  EXPECT_TRUE(test::contains_text(what, (dir / "nope").string())) << what;
  EXPECT_TRUE(test::contains_text(what, "does not exist")) << what;
}

}  // namespace
}  // namespace reel
