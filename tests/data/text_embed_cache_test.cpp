#include "data/text_embed_cache.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>

#include "core/error.h"
#include "models/text/prompt_encoder.h"
#include "support/error_of.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using test::contains_text;

constexpr int64_t kTextLen = 24;

const PromptEncoder& tiny_encoder() {
  static const PromptEncoder e =
      PromptEncoder::load(fs::path(REEL_FIXTURES_DIR) / "umt5_tiny" / "tokenizer",
                          fs::path(REEL_FIXTURES_DIR) / "umt5_tiny" / "text_encoder");
  return e;
}

TextEmbedCacheSettings settings_in(const test::TempDir& dir, bool compress = true) {
  TextEmbedCacheSettings s;
  s.dir = dir / "text";
  s.compress = compress;
  s.write_batch_size = 2;
  s.encoder_identity = "tiny umt5 #1";
  s.text_len = kTextLen;
  return s;
}

const std::string kCat = "a cat playing the piano";
const std::string kDog = "a dog runs on the beach";

class TextEmbedCacheFormats : public ::testing::TestWithParam<bool> {};

TEST_P(TextEmbedCacheFormats, StoresWhatTheEncoderGives) {
  test::TempDir dir;
  const TextEmbedCache cache(settings_in(dir, GetParam()));
  const std::vector<std::string> captions = {kCat, "", kCat, kDog, ""};

  const std::vector<std::string> todo = cache.missing(captions);
  ASSERT_EQ(todo, (std::vector<std::string>{kCat, "", kDog}));
  const CacheFill fill = cache.fill(todo, tiny_encoder());
  EXPECT_EQ(fill.encoded, 3);
  EXPECT_TRUE(fill.failed.empty());
  EXPECT_TRUE(cache.missing(captions).empty());
  EXPECT_TRUE(TextEmbedCache(settings_in(dir, GetParam())).missing(captions).empty());

  // write_batch_size 2: {cat, ""} went through the encoder together, then {dog}.
  const PromptEmbeddings first = tiny_encoder().encode_prompts({kCat, ""}, kTextLen);
  const PromptEmbeddings second = tiny_encoder().encode_prompts({kDog}, kTextLen);
  const struct {
    const std::string& caption;
    const PromptEmbeddings& batch;
    int64_t row;
  } expected[] = {{kCat, first, 0}, {"", first, 1}, {kDog, second, 0}};
  for (const auto& x : expected) {
    SCOPED_TRACE("caption \"" + x.caption + "\"");
    const TextEmbedding e = cache.load(x.caption);
    EXPECT_EQ(e.prompt_embeds.scalar_type(), at::kFloat);
    EXPECT_EQ(e.attention_mask.scalar_type(), at::kLong);
    EXPECT_TRUE(at::equal(e.prompt_embeds, x.batch.prompt_embeds[x.row]));
    EXPECT_TRUE(at::equal(e.attention_mask, x.batch.attention_mask[x.row]));

    // Only the real rows are on disk.
    const CacheEntry stored =
        TensorCache(cache.settings().dir, GetParam()).read(cache.entry_name(x.caption));
    EXPECT_EQ(stored.get("prompt_embeds").size(0), x.batch.seq_lens[x.row].item<int64_t>());
    EXPECT_EQ(stored.metadata.at("caption"), x.caption);
  }
  EXPECT_EQ(cache.load("").attention_mask.sum().item<int64_t>(), 1);  // just </s>
}

INSTANTIATE_TEST_SUITE_P(Formats, TextEmbedCacheFormats, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "zstd" : "plain"; });

TEST(TextEmbedCache, AnotherEncoderOrLengthIsAMiss) {
  test::TempDir dir;
  const TextEmbedCache cache(settings_in(dir));
  cache.fill({kCat}, tiny_encoder());
  ASSERT_TRUE(cache.missing({kCat}).empty());

  TextEmbedCacheSettings other = settings_in(dir);
  other.encoder_identity = "tiny umt5 #2";
  EXPECT_EQ(TextEmbedCache(other).missing({kCat}), std::vector<std::string>{kCat});
  EXPECT_EQ(TextEmbedCache(other).entry_name(kCat), cache.entry_name(kCat));  // overwritten

  TextEmbedCacheSettings longer = settings_in(dir);
  longer.text_len = 32;
  const TextEmbedCache long_cache(longer);
  EXPECT_EQ(long_cache.missing({kCat}), std::vector<std::string>{kCat});
  long_cache.fill({kCat}, tiny_encoder());
  EXPECT_EQ(long_cache.load(kCat).prompt_embeds.size(0), 32);
  EXPECT_EQ(cache.load(kCat).prompt_embeds.size(0), kTextLen);  // both kept
}

TEST(TextEmbedCache, CorruptEntriesAreRebuilt) {
  test::TempDir dir;
  const TextEmbedCache cache(settings_in(dir, false));
  cache.fill({kDog}, tiny_encoder());
  const fs::path file = TensorCache(cache.settings().dir, false).path_for(cache.entry_name(kDog));
  fs::resize_file(file, fs::file_size(file) - 10);
  EXPECT_EQ(cache.missing({kDog}), std::vector<std::string>{kDog});
  EXPECT_TRUE(contains_text(test::error_of([&] { cache.load(kDog); }), file.string()));

  EXPECT_EQ(cache.fill(cache.missing({kDog}), tiny_encoder()).encoded, 1);
  EXPECT_TRUE(at::equal(cache.load(kDog).prompt_embeds,
                        tiny_encoder().encode_prompts({kDog}, kTextLen).prompt_embeds[0]));
}

TEST(TextEmbedCache, LoadingAnUncachedCaptionNamesItsFileAndTheCaption) {
  test::TempDir dir;
  const TextEmbedCache cache(settings_in(dir));
  const std::string what = test::error_of([&] { cache.load("never encoded"); });
  EXPECT_TRUE(contains_text(what, (dir / "text" / cache.entry_name("never encoded")).string()))
      << what;
  EXPECT_TRUE(contains_text(what, "never encoded")) << what;
}

}  // namespace
}  // namespace reel
