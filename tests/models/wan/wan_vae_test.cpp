// The Wan VAE against the reference fixtures (shared/fixtures/wan2{1,2}_vae_tiny): every case,
// from the diffusers folder and from the official single file.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <tuple>

#include "core/safetensors_set.h"
#include "core/safetensors_writer.h"
#include "models/wan/wan_vae.h"
#include "models/wan/wan_vae_loader.h"
#include "nn/causal_conv3d.h"
#include "support/error_of.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using test::contains_text;
using test::error_of;

constexpr double kTolerance = 1e-4;  // fixtures' README: absolute, float32

fs::path fixture(const std::string& name) {
  return fs::path(REEL_FIXTURES_DIR) / name;
}

// "diffusers": the fixture folder (its vae/ subfolder is found); "original": the single file.
fs::path layout_path(const std::string& name, const std::string& layout) {
  return layout == "diffusers" ? fixture(name) : fixture(name) / (name + "_original.safetensors");
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  if (a.sizes() != b.sizes()) return 1e9;
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

class WanVaeParity
    : public ::testing::TestWithParam<std::tuple<std::string, std::string, std::string>> {};

TEST_P(WanVaeParity, MatchesReferenceWithinTolerance) {
  const auto& [name, layout, which] = GetParam();
  const SafetensorsSet cases = SafetensorsSet::open(fixture(name) / "cases.safetensors");
  WanVae vae = load_wan_vae(layout_path(name, layout));
  const at::Tensor input = cases.tensor(which + "/input");

  const WanVaePosterior p = vae.encode(input);
  const at::Tensor z = vae.normalize(p.mean);
  // Decoded from the reference's normalized latents, so each stage is checked on its own.
  const at::Tensor raw =
      vae.decode_raw(vae.denormalize(cases.tensor(which + "/latent_normalized")));
  const at::Tensor clamped =
      vae.decode(vae.denormalize(cases.tensor(which + "/latent_normalized")));

  const std::pair<const char*, at::Tensor> got[] = {{"posterior_mean", p.mean},
                                                    {"posterior_logvar", p.logvar},
                                                    {"latent_normalized", z},
                                                    {"decoded_raw", raw},
                                                    {"decoded", clamped}};
  for (const auto& [key, tensor] : got) {
    const double err = max_abs_diff(tensor, cases.tensor(which + "/" + key));
    std::cout << "[parity] " << name << " " << layout << " " << which << " " << key
              << " max abs err " << err << "\n";
    EXPECT_LT(err, kTolerance) << key;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, WanVaeParity,
                         ::testing::Combine(::testing::Values("wan21_vae_tiny", "wan22_vae_tiny"),
                                            ::testing::Values("diffusers", "original"),
                                            ::testing::Values("image", "video")),
                         [](const auto& info) {
                           return std::get<0>(info.param).substr(0, 5) + "_" +
                                  std::get<1>(info.param) + "_" + std::get<2>(info.param);
                         });

class WanVaeFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(WanVaeFixture, FirstLatentOfAVideoIsTheLatentOfFrameZeroAlone) {
  const SafetensorsSet cases = SafetensorsSet::open(fixture(GetParam()) / "cases.safetensors");
  WanVae vae = load_wan_vae(fixture(GetParam()));
  const at::Tensor video = cases.tensor("video/input");
  const at::Tensor all = vae.encode(video).mean;
  const at::Tensor first = vae.encode(video.narrow(2, 0, 1)).mean;
  EXPECT_EQ(all.size(2), 3);
  EXPECT_LT(max_abs_diff(all.narrow(2, 0, 1), first), 1e-6);
}

TEST_P(WanVaeFixture, RejectsFrameCountsAndSizesItCannotEncode) {
  WanVae vae = load_wan_vae(fixture(GetParam()));
  const int64_t s = vae.config().spatial_factor();
  EXPECT_EQ(s, GetParam() == "wan21_vae_tiny" ? 8 : 16);
  const std::string frames = error_of([&] { vae.encode(at::zeros({1, 3, 8, 2 * s, 2 * s})); });
  EXPECT_TRUE(contains_text(frames, "4k + 1 frames")) << frames;
  EXPECT_TRUE(contains_text(frames, "got 8")) << frames;
  const std::string size = error_of([&] {
    vae.encode(at::zeros({1, 3, 5, 2 * s, 2 * s + s / 2}));
  });
  EXPECT_TRUE(contains_text(size, "multiples of " + std::to_string(s))) << size;
  const std::string channels = error_of([&] { vae.encode(at::zeros({1, 4, 1, s, s})); });
  EXPECT_TRUE(contains_text(channels, "[batch, 3, frames, height, width]")) << channels;
  const std::string latents = error_of([&] { vae.decode(at::zeros({1, 5, 1, 2, 2})); });
  EXPECT_TRUE(contains_text(latents, "decodes latents")) << latents;
}

TEST_P(WanVaeFixture, DecodeOfEncodeGivesAClampedVideoOfTheSameShape) {
  WanVae vae = load_wan_vae(fixture(GetParam()));
  const int64_t s = vae.config().spatial_factor();
  const at::Tensor video = at::rand({2, 3, 5, 2 * s, 3 * s}) * 2 - 1;
  const at::Tensor z = vae.normalize(vae.encode(video).mean);
  EXPECT_EQ(z.sizes(), (std::vector<int64_t>{2, vae.config().z_dim, 2, 2, 3}));
  const at::Tensor out = vae.decode(vae.denormalize(z));
  EXPECT_EQ(out.sizes(), video.sizes());
  EXPECT_LE(out.abs().max().item<float>(), 1.0f);
  EXPECT_TRUE(out.isfinite().all().item<bool>());
}

// The naming rules agree with diffusers' own converter (key_map.json, made by
// scripts/convert_wan_to_diffusers.py), name for name.
TEST_P(WanVaeFixture, OfficialNamesFollowDiffusersConverter) {
  std::ifstream in(fixture(GetParam()) / "key_map.json");
  const nlohmann::json map = nlohmann::json::parse(in).at("official_to_diffusers");
  WanVae vae = load_wan_vae(fixture(GetParam()));
  EXPECT_EQ(vae.parameters().size(), map.size());
  for (const auto& [official, diffusers] : map.items()) {
    EXPECT_EQ(vae.official_name(diffusers.get<std::string>()), official);
  }
}

TEST_P(WanVaeFixture, BothLayoutsGiveTheSameConfig) {
  const WanVae a = load_wan_vae(layout_path(GetParam(), "diffusers"));
  const WanVae b = load_wan_vae(layout_path(GetParam(), "original"));
  EXPECT_EQ(a.config().base_dim, b.config().base_dim);
  EXPECT_EQ(a.config().decoder_dim(), b.config().decoder_dim());
  EXPECT_EQ(a.config().z_dim, b.config().z_dim);
  EXPECT_EQ(a.config().is_residual, b.config().is_residual);
  EXPECT_EQ(a.config().patch_size, b.config().patch_size);
  EXPECT_EQ(a.config().latents_mean, b.config().latents_mean);
  EXPECT_EQ(a.config().latents_std, b.config().latents_std);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, WanVaeFixture,
                         ::testing::Values("wan21_vae_tiny", "wan22_vae_tiny"));

// bfloat16 weights: the same maths in lower precision (a smoke test of the dtype path).
TEST_P(WanVaeFixture, RunsInBFloat16CloseToTheFloat32Reference) {
  const SafetensorsSet cases = SafetensorsSet::open(fixture(GetParam()) / "cases.safetensors");
  WanVae vae = load_wan_vae(fixture(GetParam()), at::kBFloat16);
  const WanVaePosterior p = vae.encode(cases.tensor("video/input"));
  EXPECT_EQ(p.mean.scalar_type(), at::kFloat);
  EXPECT_LT(max_abs_diff(p.mean, cases.tensor("video/posterior_mean")), 0.1);
  const at::Tensor out = vae.decode(vae.denormalize(cases.tensor("video/latent_normalized")));
  EXPECT_LT(max_abs_diff(out, cases.tensor("video/decoded")), 0.1);
}

// The building block of the chunked VAE: a causal conv fed in chunks gives the whole clip's
// output, and output frame t does not depend on later frames.
TEST(WanVaeCausalConv, ChunkedEqualsWholeClipAndIsCausal) {
  at::manual_seed(3);
  const at::Tensor x = at::randn({2, 4, 9, 5, 6});
  const at::Tensor w = at::randn({3, 4, 3, 3, 3}), b = at::randn({3});
  at::Tensor h0;
  const at::Tensor whole = nn::causal_conv3d(x, w, b, h0);
  EXPECT_EQ(whole.sizes(), (std::vector<int64_t>{2, 3, 9, 5, 6}));
  at::Tensor h;
  std::vector<at::Tensor> parts;
  for (int64_t start = 0; start < 9; start += start == 0 ? 1 : 4) {
    parts.push_back(nn::causal_conv3d(x.narrow(2, start, start == 0 ? 1 : 4), w, b, h));
  }
  EXPECT_LT(max_abs_diff(at::cat(parts, 2), whole), 1e-5);
  at::Tensor changed = x.clone(), h1;
  changed.narrow(2, 5, 4).normal_();
  const at::Tensor other = nn::causal_conv3d(changed, w, b, h1);
  EXPECT_EQ(max_abs_diff(other.narrow(2, 0, 5), whole.narrow(2, 0, 5)), 0.0);
  EXPECT_GT(max_abs_diff(other.narrow(2, 5, 4), whole.narrow(2, 5, 4)), 1e-3);
}

TEST(WanVaeConfig, IgnoresUnknownKeys) {
  const WanVaeConfig c = read_wan_vae_config(fixture("wan22_vae_tiny") / "vae" / "config.json");
  EXPECT_TRUE(c.is_residual);
  EXPECT_EQ(c.patch_size, 2);
  EXPECT_EQ(c.decoder_dim(), 10);
  EXPECT_EQ(c.latents_std.size(), 48u);
}

TEST(WanVaeLoader, ReportsMissingUnexpectedAndMisShapedTensorsTogether) {
  const SafetensorsSet set = SafetensorsSet::open(fixture("wan21_vae_tiny") / "vae");
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const TensorInfo& t : set.tensors()) {
    if (t.name == "decoder.conv_out.bias") continue;  // missing
    at::Tensor v = set.tensor(t.name);
    if (t.name == "quant_conv.bias") v = at::zeros({5});  // wrong shape
    tensors.emplace_back(t.name, v);
  }
  tensors.emplace_back("decoder.extra.weight", at::zeros({1}));  // unexpected
  test::TempDir dir;
  write_safetensors(dir / "diffusion_pytorch_model.safetensors", tensors);
  fs::copy_file(fixture("wan21_vae_tiny") / "vae" / "config.json", dir / "config.json");
  const std::string e = error_of([&] { load_wan_vae(dir.path()); });
  EXPECT_TRUE(contains_text(e, "1 missing, 1 unexpected, 1 with the wrong shape")) << e;
  EXPECT_TRUE(contains_text(e, "decoder.conv_out.bias")) << e;
  EXPECT_TRUE(contains_text(e, "decoder.extra.weight")) << e;
  EXPECT_TRUE(contains_text(e, "quant_conv.bias [5] (expected [32])")) << e;
}

TEST(WanVaeLoader, RejectsWhatIsNotAVae) {
  EXPECT_TRUE(contains_text(error_of([] { load_wan_vae(fixture("no_such_vae")); }),
                            "no such file or folder"));
  const std::string e = error_of([] { load_wan_vae(fixture("wan21_t2v_tiny") / "transformer"); });
  EXPECT_TRUE(contains_text(e, "not a Wan VAE checkpoint")) << e;
}

}  // namespace
}  // namespace reel
