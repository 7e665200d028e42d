#include "models/text/prompt_encoder.h"

#include <gtest/gtest.h>

#include "models/text/umt5_fixture.h"

namespace reel {
namespace {

using test::max_abs_diff;
using test::umt5_case;
using test::umt5_dir;

const PromptEncoder& fixture_prompt_encoder() {
  static const PromptEncoder e =
      PromptEncoder::load(umt5_dir() / "tokenizer", umt5_dir() / "text_encoder");
  return e;
}

TEST(PromptEncoder, PromptEmbedsMatchThePipelineForBothGroups) {
  for (const std::string group : {"short", "long"}) {
    const PromptEmbeddings e = fixture_prompt_encoder().encode_prompts(
        test::umt5_raw_prompts(group), test::umt5_text_len(group));
    EXPECT_TRUE(at::equal(e.input_ids, umt5_case(group + "/input_ids"))) << group;
    EXPECT_TRUE(at::equal(e.attention_mask, umt5_case(group + "/attention_mask"))) << group;
    EXPECT_TRUE(at::equal(e.seq_lens, umt5_case(group + "/seq_lens"))) << group;
    const at::Tensor expected = umt5_case(group + "/prompt_embeds");
    ASSERT_EQ(e.prompt_embeds.sizes(), expected.sizes()) << group;
    const double err = max_abs_diff(e.prompt_embeds, expected);
    EXPECT_LT(err, 1e-4) << group;
    std::cout << "[ umt5 ] " << group << " prompt_embeds fp32 max abs err " << err << "\n";
    // Rows past seq_len are exactly zero; the </s> row is not.
    for (int64_t i = 0; i < e.seq_lens.size(0); ++i) {
      const int64_t len = e.seq_lens[i].item<int64_t>();
      const at::Tensor padding = e.prompt_embeds[i].narrow(0, len, e.prompt_embeds.size(1) - len);
      EXPECT_TRUE(at::equal(padding, at::zeros_like(padding)));
      EXPECT_GT(e.prompt_embeds[i][len - 1].abs().max().item<float>(), 0.0f);
    }
  }
}

TEST(PromptEncoder, EmptyPromptKeepsOnlyTheEosRow) {
  const PromptEmbeddings e = fixture_prompt_encoder().encode_prompts({""}, 24);
  EXPECT_EQ(e.seq_lens[0].item<int64_t>(), 1);
  EXPECT_EQ(e.input_ids[0][0].item<int64_t>(), 1);
  // The short group's last prompt is the empty string.
  const at::Tensor expected = umt5_case("short/prompt_embeds")[4];
  EXPECT_LT(max_abs_diff(e.prompt_embeds[0], expected), 1e-4);
  EXPECT_EQ(e.prompt_embeds[0].narrow(0, 1, 23).abs().max().item<float>(), 0.0f);
}

TEST(PromptEncoder, DefaultTextLenIs512AndBf16Runs) {
  Umt5RunOptions run;
  run.compute_dtype = at::kBFloat16;
  const PromptEmbeddings e = fixture_prompt_encoder().encode_prompts({"a red fox"}, 512, run);
  EXPECT_EQ(e.prompt_embeds.sizes(), (at::IntArrayRef{1, 512, 32}));
  EXPECT_EQ(e.prompt_embeds.scalar_type(), at::kFloat);
  const PromptEmbeddings d = fixture_prompt_encoder().encode_prompts({"a red fox"});
  EXPECT_EQ(d.input_ids.size(1), 512);
  EXPECT_LT(max_abs_diff(e.prompt_embeds, d.prompt_embeds), 0.25);  // see umt5_encoder_test
}

}  // namespace
}  // namespace reel
