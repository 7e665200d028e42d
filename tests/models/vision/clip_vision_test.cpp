// CLIP vision encoder and its preprocessing against shared/fixtures/clip_vision_tiny.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/safetensors_set.h"
#include "core/safetensors_writer.h"
#include "models/vision/clip_image_preprocess.h"
#include "models/vision/clip_vision.h"
#include "models/vision/clip_vision_loader.h"
#include "support/error_of.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

fs::path clip_dir() {
  return fs::path(REEL_FIXTURES_DIR) / "clip_vision_tiny";
}

const SafetensorsSet& cases() {
  static const SafetensorsSet set = SafetensorsSet::open(clip_dir() / "cases.safetensors");
  return set;
}

std::vector<at::Tensor> images() {
  return {cases().tensor("images/landscape/uint8_hwc"),
          cases().tensor("images/portrait/uint8_hwc")};
}

double max_abs(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  if (a.sizes() != b.sizes()) return 1e30;
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

ClipPreprocessConfig processor_config() {
  return read_clip_preprocess_config(
      (clip_dir() / "image_processor/preprocessor_config.json").string());
}

ClipVisionLoadOptions official_options() {
  ClipVisionLoadOptions o;
  o.num_heads = 4;
  return o;
}

void expect_hidden_states_match(const ClipVisionModel& model, const std::string& route) {
  const at::Tensor pixels = cases().tensor(route + "/pixel_values");
  ClipVisionRunOptions run;
  run.all_hidden_states = true;
  const ClipVisionOutputs out = model.forward(pixels, run);
  const double pen =
      max_abs(out.penultimate_hidden_state, cases().tensor(route + "/penultimate_hidden_state"));
  EXPECT_LT(pen, 1e-4) << route;
  const at::Tensor all = cases().tensor(route + "/hidden_states_all");
  ASSERT_EQ(static_cast<int64_t>(out.hidden_states.size()), all.size(0));
  for (int64_t i = 0; i < all.size(0); ++i) {
    const double d = max_abs(out.hidden_states[static_cast<size_t>(i)], all[i]);
    EXPECT_LT(d, 1e-4) << route << " hidden_states[" << i << "]";
  }
  std::printf("[clip parity] %s: penultimate max |diff| %.3g\n", route.c_str(), pen);
  // Without all_hidden_states the last layer is skipped; same penultimate state.
  const ClipVisionOutputs fast = model.forward(pixels);
  EXPECT_TRUE(fast.hidden_states.empty());
  EXPECT_EQ(max_abs(fast.penultimate_hidden_state, out.penultimate_hidden_state), 0.0);
}

TEST(ClipPreprocess, ReadsTheProcessorConfig) {
  const ClipPreprocessConfig c = processor_config();
  EXPECT_EQ(c.image_size, 28);
  EXPECT_EQ(c.shortest_edge, 28);
  EXPECT_DOUBLE_EQ(c.mean[0], 0.48145466);
  EXPECT_DOUBLE_EQ(c.std[2], 0.27577711);
  EXPECT_EQ(parse_clip_route("official"), ClipPreprocessRoute::kOfficial);
  EXPECT_EQ(parse_clip_route(clip_route_name(kDefaultClipRoute)), kDefaultClipRoute);
  EXPECT_FALSE(parse_clip_route("bilinear").has_value());
}

TEST(ClipPreprocess, OfficialRouteMatchesFixture) {
  const at::Tensor px =
      clip_preprocess(images(), ClipPreprocessRoute::kOfficial, processor_config());
  const double d = max_abs(px, cases().tensor("official/pixel_values"));
  std::printf("[clip parity] official pixel_values max |diff| %.3g\n", d);
  EXPECT_LT(d, 1e-5);
}

TEST(ClipPreprocess, HfProcessorRouteMatchesFixture) {
  const at::Tensor px =
      clip_preprocess(images(), ClipPreprocessRoute::kHfProcessor, processor_config());
  const double d = max_abs(px, cases().tensor("hf_processor/pixel_values"));
  std::printf("[clip parity] hf_processor pixel_values max |diff| %.3g\n", d);
  EXPECT_LT(d, 0.03);  // the README's tolerance (one uint8 step of PIL rounding)
  EXPECT_LT(d, 1e-5);  // what the bit-exact PIL emulation achieves
}

TEST(ClipPreprocess, PilResizeIsIdentityAtTheSameSizeAndRejectsBadImages) {
  const at::Tensor img = images()[0];
  EXPECT_TRUE(at::equal(pil_bicubic_resize_uint8(img, img.size(0), img.size(1)), img));
  const at::Tensor f = at::zeros({8, 8, 3});
  EXPECT_TRUE(test::contains_text(
      test::error_of([&] { clip_preprocess_image(f, kDefaultClipRoute, processor_config()); }),
      "uint8 [H, W, 3]"));
}

TEST(ClipVision, ReadsTheTransformersConfig) {
  const ClipVisionConfig c = read_clip_vision_config(clip_dir() / "image_encoder/config.json");
  EXPECT_EQ(c.hidden_size, 32);
  EXPECT_EQ(c.num_hidden_layers, 2);
  EXPECT_EQ(c.num_attention_heads, 4);
  EXPECT_EQ(c.intermediate_size, 128);
  EXPECT_EQ(c.image_size, 28);
  EXPECT_EQ(c.patch_size, 14);
  EXPECT_EQ(c.projection_dim, 16);
  EXPECT_EQ(c.hidden_act, "gelu");
  EXPECT_EQ(c.tokens(), 5);
}

TEST(ClipVision, TransformersWeightsMatchBothRoutes) {
  const ClipVisionModel model = load_clip_vision(clip_dir() / "image_encoder");
  EXPECT_TRUE(model.config().with_projection);
  expect_hidden_states_match(model, "official");
  expect_hidden_states_match(model, "hf_processor");
}

TEST(ClipVision, OriginalWeightsMatchBothRoutes) {
  const ClipVisionModel model =
      load_clip_vision(clip_dir() / "clip_vision_tiny_original.safetensors", official_options());
  EXPECT_EQ(model.config().hidden_size, 32);
  EXPECT_EQ(model.config().num_hidden_layers, 2);
  EXPECT_EQ(model.config().intermediate_size, 128);
  EXPECT_EQ(model.config().image_size, 28);
  EXPECT_EQ(model.config().projection_dim, 16);
  expect_hidden_states_match(model, "official");
  expect_hidden_states_match(model, "hf_processor");
}

TEST(ClipVision, BothWeightLayoutsGiveIdenticalOutputs) {
  const ClipVisionModel a = load_clip_vision(clip_dir() / "image_encoder");
  const ClipVisionModel b =
      load_clip_vision(clip_dir() / "clip_vision_tiny_original.safetensors", official_options());
  ClipVisionRunOptions run;
  run.all_hidden_states = true;
  run.image_embeds = true;
  for (const char* route : {"official", "hf_processor"}) {
    const at::Tensor px = cases().tensor(std::string(route) + "/pixel_values");
    const ClipVisionOutputs oa = a.forward(px, run), ob = b.forward(px, run);
    ASSERT_EQ(oa.hidden_states.size(), ob.hidden_states.size());
    for (size_t i = 0; i < oa.hidden_states.size(); ++i) {
      EXPECT_EQ(max_abs(oa.hidden_states[i], ob.hidden_states[i]), 0.0) << route << " " << i;
    }
    EXPECT_EQ(max_abs(oa.image_embeds, ob.image_embeds), 0.0) << route;
    EXPECT_EQ(oa.image_embeds.sizes(), (at::IntArrayRef{2, 16}));
  }
}

TEST(ClipVision, EndToEndFromUint8Images) {
  const ClipVisionModel model = load_clip_vision(clip_dir() / "image_encoder");
  for (ClipPreprocessRoute route :
       {ClipPreprocessRoute::kOfficial, ClipPreprocessRoute::kHfProcessor}) {
    const at::Tensor px = clip_preprocess(images(), route, processor_config());
    const ClipVisionOutputs out = model.forward(px);
    const std::string name = clip_route_name(route);
    EXPECT_LT(
        max_abs(out.penultimate_hidden_state, cases().tensor(name + "/penultimate_hidden_state")),
        1e-4)
        << name;
  }
}

TEST(ClipVision, LoadsAFolderWithoutVisualProjection) {
  test::TempDir dir;
  const SafetensorsSet set = SafetensorsSet::open(clip_dir() / "image_encoder");
  std::vector<std::pair<std::string, at::Tensor>> kept;
  for (const TensorInfo& t : set.tensors()) {
    if (t.name != "visual_projection.weight") kept.emplace_back(t.name, set.tensor(t.name));
  }
  write_safetensors(dir / "model.safetensors", kept);
  fs::copy_file(clip_dir() / "image_encoder/config.json", dir / "config.json");
  ClipVisionModel model = load_clip_vision(dir.path());
  EXPECT_FALSE(model.config().with_projection);
  EXPECT_EQ(model.parameters().size(), kept.size());
  expect_hidden_states_match(model, "hf_processor");
  // A pipeline folder with image_encoder/ inside works too.
  fs::create_directories(dir / "pipe/image_encoder");
  fs::copy_file(dir / "model.safetensors", dir / "pipe/image_encoder/model.safetensors");
  fs::copy_file(dir / "config.json", dir / "pipe/image_encoder/config.json");
  EXPECT_FALSE(load_clip_vision(dir / "pipe").config().with_projection);
}

TEST(ClipVision, ReportsMissingUnexpectedAndMisShapedTogether) {
  test::TempDir dir;
  const SafetensorsSet set = SafetensorsSet::open(clip_dir() / "image_encoder");
  std::vector<std::pair<std::string, at::Tensor>> kept;
  for (const TensorInfo& t : set.tensors()) {
    if (t.name == "vision_model.encoder.layers.1.mlp.fc2.bias") continue;
    at::Tensor v = set.tensor(t.name);
    if (t.name == "vision_model.pre_layrnorm.bias") v = at::zeros({31});
    kept.emplace_back(t.name, v);
  }
  kept.emplace_back("vision_model.encoder.layers.0.extra.weight", at::zeros({2}));
  write_safetensors(dir / "model.safetensors", kept);
  fs::copy_file(clip_dir() / "image_encoder/config.json", dir / "config.json");
  const std::string msg = test::error_of([&] { load_clip_vision(dir.path()); });
  EXPECT_TRUE(test::contains_text(msg, "1 missing, 1 unexpected, 1 with the wrong shape")) << msg;
  EXPECT_TRUE(test::contains_text(msg, "missing (1): vision_model.encoder.layers.1.mlp.fc2.bias"))
      << msg;
  EXPECT_TRUE(
      test::contains_text(msg, "unexpected (1): vision_model.encoder.layers.0.extra.weight"))
      << msg;
  EXPECT_TRUE(test::contains_text(msg, "vision_model.pre_layrnorm.bias [31]")) << msg;
  EXPECT_TRUE(
      test::contains_text(test::error_of([&] { load_clip_vision(dir / "nope"); }), "no such file"));
}

TEST(ClipVision, OfficialNameMap) {
  using V = std::vector<std::string>;
  EXPECT_EQ(clip_official_to_transformers("transformer.7.attn.to_qkv.bias"),
            (V{"vision_model.encoder.layers.7.self_attn.q_proj.bias",
               "vision_model.encoder.layers.7.self_attn.k_proj.bias",
               "vision_model.encoder.layers.7.self_attn.v_proj.bias"}));
  EXPECT_EQ(clip_official_to_transformers("transformer.0.mlp.2.weight"),
            (V{"vision_model.encoder.layers.0.mlp.fc2.weight"}));
  EXPECT_EQ(clip_official_to_transformers("pre_norm.weight"),
            (V{"vision_model.pre_layrnorm.weight"}));
  EXPECT_EQ(clip_official_to_transformers("head"), (V{"visual_projection.weight"}));
  EXPECT_TRUE(clip_official_to_transformers("transformer.x.norm1.weight").empty());
  EXPECT_TRUE(clip_official_to_transformers("log_scale").empty());
}

TEST(ClipVision, RejectsWrongInputShapeAndMissingWeights) {
  ClipVisionConfig c = read_clip_vision_config(clip_dir() / "image_encoder/config.json");
  ClipVisionModel empty(c);
  EXPECT_TRUE(test::contains_text(test::error_of([&] {
                                    empty.forward(at::zeros({1, 3, 28, 28}));
                                  }),
                                  "no weights"));
  empty.init_random(7);
  EXPECT_TRUE(test::contains_text(test::error_of([&] {
                                    empty.forward(at::zeros({1, 3, 32, 32}));
                                  }),
                                  "[B, 3, 28, 28]"));
  const ClipVisionOutputs out = empty.forward(at::zeros({2, 3, 28, 28}));
  EXPECT_EQ(out.penultimate_hidden_state.sizes(), (at::IntArrayRef{2, 5, 32}));
}

}  // namespace
}  // namespace reel
