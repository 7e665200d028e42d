// `reel debug forward vae-encode|vae-decode|text-encoder|clip-vision` and `reel debug
// encode-prompt` through the command line, against the fixtures' expected tensors.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "app/run_reel.h"
#include "core/safetensors.h"
#include "core/safetensors_writer.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

using test::contains;
using test::reel;
using test::Result;

const std::string kFixtures = REEL_FIXTURES_DIR;

double max_diff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

TEST(DebugEncoders, VaeEncodeAndDecodeMatchTheFixture) {
  test::TempDir dir;
  SafetensorsFile cases = SafetensorsFile::open(kFixtures + "/wan21_vae_tiny/cases.safetensors");
  auto in = (dir / "in.safetensors").string();
  write_safetensors(in, {{"video", cases.tensor("video/input")}});
  Result enc = reel({"debug", "forward", "vae-encode", "--weights", kFixtures + "/wan21_vae_tiny",
                     "--inputs", in, "--output", (dir / "enc.safetensors").string()});
  ASSERT_EQ(enc.code, 0) << enc.err;
  SafetensorsFile encoded = SafetensorsFile::open(dir / "enc.safetensors");
  EXPECT_LT(max_diff(encoded.tensor("mean"), cases.tensor("video/posterior_mean")), 1e-4);
  EXPECT_LT(max_diff(encoded.tensor("logvar"), cases.tensor("video/posterior_logvar")), 1e-4);
  EXPECT_LT(max_diff(encoded.tensor("latents"), cases.tensor("video/latent_normalized")), 1e-4);

  // The fixture decodes from the normalised latent; the command takes raw latents.
  auto latents = (dir / "latents.safetensors").string();
  write_safetensors(latents, {{"latents", encoded.tensor("mean")}});
  Result dec = reel({"debug", "forward", "vae-decode", "--weights", kFixtures + "/wan21_vae_tiny",
                     "--inputs", latents, "--output", (dir / "dec.safetensors").string()});
  ASSERT_EQ(dec.code, 0) << dec.err;
  EXPECT_LT(max_diff(SafetensorsFile::open(dir / "dec.safetensors").tensor("video"),
                     cases.tensor("video/decoded")),
            1e-4);
}

TEST(DebugEncoders, VaeRejectsAFrameCountThatIsNot4kPlus1) {
  test::TempDir dir;
  auto in = (dir / "in.safetensors").string();
  write_safetensors(in, {{"video", at::zeros({1, 3, 8, 32, 48})}});
  Result r = reel({"debug", "forward", "vae-encode", "--weights", kFixtures + "/wan21_vae_tiny",
                   "--inputs", in, "--output", (dir / "out.safetensors").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "4k + 1")) << r.err;
}

TEST(DebugEncoders, TextEncoderReadsAFixtureCaseDirectly) {
  test::TempDir dir;
  Result r =
      reel({"debug", "forward", "text-encoder", "--weights", kFixtures + "/umt5_tiny/text_encoder",
            "--inputs", kFixtures + "/umt5_tiny/cases.safetensors", "--input_prefix", "short/",
            "--output", (dir / "out.safetensors").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  SafetensorsFile cases = SafetensorsFile::open(kFixtures + "/umt5_tiny/cases.safetensors");
  EXPECT_LT(max_diff(SafetensorsFile::open(dir / "out.safetensors").tensor("last_hidden_state"),
                     cases.tensor("short/last_hidden_state")),
            1e-4);
}

TEST(DebugEncoders, ClipVisionGivesThePenultimateHiddenState) {
  test::TempDir dir;
  Result r = reel({"debug", "forward", "clip-vision", "--weights",
                   kFixtures + "/clip_vision_tiny/image_encoder", "--inputs",
                   kFixtures + "/clip_vision_tiny/cases.safetensors", "--input_prefix",
                   "hf_processor/", "--output", (dir / "out.safetensors").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  SafetensorsFile cases = SafetensorsFile::open(kFixtures + "/clip_vision_tiny/cases.safetensors");
  EXPECT_LT(max_diff(SafetensorsFile::open(dir / "out.safetensors").tensor("hidden_states"),
                     cases.tensor("hf_processor/penultimate_hidden_state")),
            1e-4);
}

// The `reel` command line itself tokenizes (sentencepiece linked beside libtorch) and gives
// the pipeline's ids and padded embeddings for the fixture's prompts.
TEST(DebugEncoders, EncodePromptMatchesThePipeline) {
  std::ifstream f(kFixtures + "/umt5_tiny/fixture.json");
  const auto fixture = nlohmann::json::parse(f);
  const auto& group = fixture["groups"]["short"];
  std::vector<std::string> args = {"debug",        "encode-prompt",
                                   "--model",      kFixtures + "/umt5_tiny",
                                   "--max-length", std::to_string(group["text_len"].get<int>())};
  for (const auto& p : group["prompts"]) args.push_back(p["raw"].get<std::string>());
  test::TempDir dir;
  args.insert(args.end(), {"--output", (dir / "out.safetensors").string()});
  Result r = reel(args);
  ASSERT_EQ(r.code, 0) << r.err;
  SafetensorsFile out = SafetensorsFile::open(dir / "out.safetensors");
  SafetensorsFile cases = SafetensorsFile::open(kFixtures + "/umt5_tiny/cases.safetensors");
  EXPECT_TRUE(at::equal(out.tensor("input_ids"), cases.tensor("short/input_ids")));
  EXPECT_TRUE(at::equal(out.tensor("attention_mask"), cases.tensor("short/attention_mask")));
  EXPECT_LT(max_diff(out.tensor("prompt_embeds"), cases.tensor("short/prompt_embeds")), 1e-4);
}

TEST(DebugEncoders, MissingInputIsNamed) {
  test::TempDir dir;
  auto in = (dir / "in.safetensors").string();
  write_safetensors(in, {{"something_else", at::zeros({2})}});
  Result r = reel({"debug", "forward", "clip-vision", "--weights",
                   kFixtures + "/clip_vision_tiny/image_encoder", "--inputs", in, "--output",
                   (dir / "out.safetensors").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "key 'pixel_values'")) << r.err;
  EXPECT_TRUE(contains(r.err, "something_else")) << r.err;
}

}  // namespace
}  // namespace reel
