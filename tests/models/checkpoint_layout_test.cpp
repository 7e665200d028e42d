#include <gtest/gtest.h>

#include "models/checkpoint_layout.h"
#include "support/safetensors_header.h"
#include "test_paths.h"

namespace reel {
namespace {

// The names (with `prefix` put in front, as tools that wrap a model do) and shapes of a fixture.
std::vector<TensorShape> shapes_of(const std::string& fixture_file,
                                   const std::string& prefix = "") {
  std::vector<TensorShape> shapes;
  for (const auto& [name, e] :
       test::read_safetensors_header(std::string(REEL_FIXTURES_DIR) + "/" + fixture_file)) {
    shapes.push_back({prefix + name, e.shape});
  }
  return shapes;
}

CheckpointLayout layout_of(const std::string& fixture_file) {
  return detect_layout(shapes_of(fixture_file));
}

// The tiny fixtures' configs (fixtures/README.md): dim 64, 2 layers, in_dim 16 (t2v) / 36 (i2v).
TEST(CheckpointLayout, DiffusersWanTransformer) {
  auto l = layout_of("wan21_t2v_tiny/transformer/diffusion_pytorch_model.safetensors");
  EXPECT_EQ(l.kind, "wan-transformer");
  EXPECT_EQ(l.naming, "diffusers");
  EXPECT_EQ(l.variant, "T2V, dim 64, 2 blocks");
}

TEST(CheckpointLayout, OfficialWanTransformer) {
  auto l = layout_of("wan21_t2v_tiny/wan21_t2v_tiny_original.safetensors");
  EXPECT_EQ(l.kind, "wan-transformer");
  EXPECT_EQ(l.naming, "official");
  EXPECT_EQ(l.prefix, "");
}

TEST(CheckpointLayout, ComfyUiPrefixIsRecognisedAndStripped) {
  auto l = detect_layout(
      shapes_of("wan21_t2v_tiny/wan21_t2v_tiny_original.safetensors", "model.diffusion_model."));
  EXPECT_EQ(l.kind, "wan-transformer");
  EXPECT_EQ(l.naming, "comfyui");
  EXPECT_EQ(l.prefix, "model.diffusion_model.");
  EXPECT_EQ(l.variant, "T2V, dim 64, 2 blocks");
}

TEST(CheckpointLayout, ImageToVideoVariantsFromShapes) {
  EXPECT_EQ(layout_of("wan21_i2v_tiny/transformer/diffusion_pytorch_model.safetensors").variant,
            "I2V (Wan 2.1, CLIP image branch), dim 64, 2 blocks");
  EXPECT_EQ(layout_of("wan22_i2v_tiny/transformer/diffusion_pytorch_model.safetensors").variant,
            "I2V (Wan 2.2 A14B), dim 64, 2 blocks");
}

TEST(CheckpointLayout, LoraFilesByTheirNaming) {
  auto comfy = layout_of("lora/lora_comfy.safetensors");
  EXPECT_EQ(comfy.kind, "lora");
  EXPECT_EQ(comfy.naming, "comfyui");
  EXPECT_EQ(comfy.variant, "targets official Wan names");
  auto peft = layout_of("lora/lora_diffusers.safetensors");
  EXPECT_EQ(peft.kind, "lora");
  EXPECT_EQ(peft.naming, "peft");
  EXPECT_EQ(peft.prefix, "transformer.");
  EXPECT_EQ(peft.variant, "targets diffusers Wan names");
}

TEST(CheckpointLayout, VaeTextAndImageEncoders) {
  auto vae21 = layout_of("wan21_vae_tiny/vae/diffusion_pytorch_model.safetensors");
  EXPECT_EQ(vae21.kind, "wan-vae");
  EXPECT_EQ(vae21.variant, "z_dim 16");
  EXPECT_EQ(layout_of("wan22_vae_tiny/vae/diffusion_pytorch_model.safetensors").variant,
            "z_dim 48 (Wan 2.2)");
  EXPECT_EQ(layout_of("wan21_vae_tiny/wan21_vae_tiny_original.safetensors").naming, "official");
  auto t5 = layout_of("umt5_tiny/text_encoder/model.safetensors");
  EXPECT_EQ(t5.kind, "umt5-encoder");
  EXPECT_EQ(t5.variant, "2 layers");
  EXPECT_EQ(layout_of("umt5_tiny/umt5_tiny_original.safetensors").naming, "official");
  auto clip = layout_of("clip_vision_tiny/image_encoder/model.safetensors");
  EXPECT_EQ(clip.kind, "clip-vision");
  EXPECT_EQ(clip.variant, "2 layers");
  EXPECT_EQ(layout_of("clip_vision_tiny/clip_vision_tiny_original.safetensors").naming, "official");
}

TEST(CheckpointLayout, UnrelatedNamesAreUnknown) {
  EXPECT_EQ(detect_layout({{"foo.weight", {3, 3}}}).kind, "unknown");
  EXPECT_EQ(detect_layout({}).kind, "unknown");
}

}  // namespace
}  // namespace reel
