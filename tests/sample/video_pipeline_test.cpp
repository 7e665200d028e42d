// The sampling pipeline on the tiny models: seeded noise, CFG, skip-layer guidance in both
// modes, Wan 2.2's expert switch and image-to-video conditioning, each checked against the
// plainer run it must equal or differ from.
#include "sample/video_pipeline.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "models/wan/wan_transformer.h"
#include "models/wan/wan_transformer_loader.h"
#include "models/wan/wan_vae.h"
#include "models/wan/wan_vae_loader.h"
#include "support/error_of.h"
#include "test_paths.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using test::contains_text;
using test::error_of;

const fs::path kPipeline = fs::path(REEL_SOURCE_DIR) / "examples" / "wan21-t2v-tiny";
const fs::path kWan22 = fs::path(REEL_FIXTURES_DIR) / "wan22_i2v_tiny";

const WanTransformer& t2v() {
  static const WanTransformer model = load_wan_transformer(kPipeline);
  return model;
}

const WanVae& vae() {
  static const WanVae model = load_wan_vae(kPipeline);
  return model;
}

PromptEmbeds embeds(uint64_t seed, int64_t text_dim) {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(seed);
  return {at::randn({1, 7, text_dim}, g), at::randn({1, 5, text_dim}, g)};
}

VideoRequest small_request() {
  VideoRequest r;
  r.width = 32;
  r.height = 16;
  r.frames = 5;
  r.steps = 4;
  r.guidance = 4.0;
  r.scheduler = "euler";
  r.seed = 11;
  return r;
}

at::Tensor run(const Denoisers& d, const VideoRequest& r, const PromptEmbeds& p,
               const ImageCondition* c = nullptr) {
  return sample_video_latents(d, p, c, r);
}

TEST(VideoPipeline, TheSameSeedGivesTheSameLatents) {
  const PromptEmbeds p = embeds(1, t2v().config().text_dim);
  VideoRequest r = small_request();
  const at::Tensor a = run({&t2v()}, r, p);
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{1, 16, 2, 2, 4}));
  EXPECT_TRUE(at::equal(a, run({&t2v()}, r, p)));
  r.seed = 12;
  EXPECT_FALSE(at::allclose(a, run({&t2v()}, r, p)));
}

TEST(VideoPipeline, GuidanceAtOrBelowOneIgnoresTheNegativePrompt) {
  const int64_t d = t2v().config().text_dim;
  VideoRequest r = small_request();
  r.guidance = 1.0;
  PromptEmbeds p = embeds(1, d), q = p;
  q.negative = at::randn_like(p.negative);
  EXPECT_TRUE(at::equal(run({&t2v()}, r, p), run({&t2v()}, r, q)));
  r.guidance = 3.0;
  EXPECT_FALSE(at::allclose(run({&t2v()}, r, p), run({&t2v()}, r, q)));
}

TEST(VideoPipeline, Sd3SkipLayerGuidanceActsOnlyInsideItsWindow) {
  const PromptEmbeds p = embeds(2, t2v().config().text_dim);
  VideoRequest plain = small_request();
  VideoRequest slg = plain;
  slg.skip_layers.layers = {0};
  slg.skip_layers.start = 0.5;
  slg.skip_layers.stop = 0.5;  // an empty window
  EXPECT_TRUE(at::equal(run({&t2v()}, plain, p), run({&t2v()}, slg, p)));
  slg.skip_layers.start = 0.0;
  slg.skip_layers.stop = 1.0;
  EXPECT_FALSE(at::allclose(run({&t2v()}, plain, p), run({&t2v()}, slg, p)));
  slg.skip_layers.scale = 0.0;  // the extra pass is weighted by the scale
  EXPECT_TRUE(at::allclose(run({&t2v()}, plain, p), run({&t2v()}, slg, p), 1e-5, 1e-6));
}

// spec/validation.md §3: SimpleTuner skips the layers in the unconditional pass everywhere
// but inside the window, so the quickstart's window [0, 1) is plain CFG.
TEST(VideoPipeline, SimpleTunerSkipLayerGuidanceOverTheWholeRunIsPlainCfg) {
  const PromptEmbeds p = embeds(3, t2v().config().text_dim);
  VideoRequest plain = small_request();
  VideoRequest st = plain;
  st.skip_layers.layers = {0};
  st.skip_layers.mode = SkipLayerMode::kSimpleTuner;
  st.skip_layers.start = 0.0;
  st.skip_layers.stop = 1.0;
  EXPECT_TRUE(at::equal(run({&t2v()}, plain, p), run({&t2v()}, st, p)));
  st.skip_layers.start = 0.5;
  EXPECT_FALSE(at::allclose(run({&t2v()}, plain, p), run({&t2v()}, st, p)));
}

// Wan 2.2: `transformer` for t >= boundary * 1000, `transformer_2` (with guidance_2) below.
TEST(VideoPipeline, TwoExpertsSwitchAtTheBoundary) {
  WanTransformer other(t2v().config());
  other.init_random(7);
  const PromptEmbeds p = embeds(4, t2v().config().text_dim);
  VideoRequest r = small_request();
  r.guidance_2 = 2.0;
  const at::Tensor high_only = run({&t2v()}, r, p);
  VideoRequest low_request = r;
  low_request.guidance = 2.0;
  const at::Tensor low_only = run({&other}, low_request, p);
  EXPECT_TRUE(at::equal(run({&t2v(), &other, 0.0}, r, p), high_only));
  EXPECT_TRUE(at::equal(run({&t2v(), &other, 1.5}, r, p), low_only));
  const at::Tensor both = run({&t2v(), &other, 0.5}, r, p);
  EXPECT_FALSE(at::allclose(both, high_only));
  EXPECT_FALSE(at::allclose(both, low_only));
}

TEST(VideoPipeline, ImageToVideoConditionsOnTheFirstFrame) {
  WanLoadOptions o;
  o.subfolder = "transformer";
  const WanTransformer i2v = load_wan_transformer(kWan22, o);
  const PromptEmbeds p = embeds(5, i2v.config().text_dim);
  const VideoRequest r = small_request();
  at::Tensor red = at::zeros({16, 32, 3}, at::kByte), blue = at::zeros({16, 32, 3}, at::kByte);
  red.select(2, 0).fill_(255);
  blue.select(2, 2).fill_(255);
  const ImageCondition a = encode_image_condition(vae(), red, r.frames, at::kCPU);
  const ImageCondition b = encode_image_condition(vae(), blue, r.frames, at::kCPU);
  EXPECT_EQ(a.latents.sizes(), (std::vector<int64_t>{1, 16, 2, 2, 4}));
  EXPECT_FALSE(a.image_embeds.defined());
  const at::Tensor with_red = run({&i2v}, r, p, &a);
  EXPECT_TRUE(at::equal(with_red, run({&i2v}, r, p, &a)));
  EXPECT_FALSE(at::allclose(with_red, run({&i2v}, r, p, &b)));

  VideoRequest longer = r;
  longer.frames = 9;
  EXPECT_TRUE(contains_text(error_of([&] { run({&i2v}, longer, p, &a); }), "do not match"));
  EXPECT_TRUE(contains_text(
      error_of([&] { encode_image_condition(vae(), red.to(at::kFloat), 5, at::kCPU); }),
      "uint8 [H, W, 3]"));
}

TEST(VideoPipeline, DecodeGivesRgbFramesOfTheRequestedSize) {
  const at::Tensor latents = run({&t2v()}, small_request(), embeds(6, t2v().config().text_dim));
  const at::Tensor frames = decode_video(vae(), latents);
  EXPECT_EQ(frames.sizes(), (std::vector<int64_t>{5, 16, 32, 3}));
  EXPECT_EQ(frames.scalar_type(), at::kByte);
}

TEST(VideoPipeline, BadRequestsNameTheValue) {
  VideoRequest r = small_request();
  r.frames = 6;
  EXPECT_TRUE(contains_text(error_of([&] { check_video_request(r, 16); }), "frames 6"));
  r = small_request();
  r.width = 40;
  EXPECT_TRUE(contains_text(error_of([&] { check_video_request(r, 16); }), "40x16"));
  r = small_request();
  PromptEmbeds p = embeds(1, t2v().config().text_dim);
  p.negative = at::Tensor();
  EXPECT_TRUE(contains_text(error_of([&] { run({&t2v()}, r, p); }), "negative prompt"));
}

}  // namespace
}  // namespace reel
