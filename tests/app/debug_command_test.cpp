// `reel debug forward transformer` against the fixtures' expected outputs, and `reel inspect`
// on Wan transformers.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "app/run_reel.h"
#include "core/safetensors.h"
#include "core/safetensors_writer.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

namespace fs = std::filesystem;

using test::contains;
using test::reel;
using test::Result;

fs::path fixture(const std::string& relative) {
  return fs::path(REEL_FIXTURES_DIR) / relative;
}

const char* const kInputs[] = {"hidden_states", "timestep", "encoder_hidden_states",
                               "encoder_hidden_states_image"};

// The inputs of a fixture case (`prefix` "case1/") under their plain names, minus `skip`,
// with `replace` swapped in.
fs::path write_inputs(const test::TempDir& tmp, const std::string& dir, const std::string& prefix,
                      const std::string& skip = "",
                      std::pair<std::string, at::Tensor> replace = {}) {
  SafetensorsFile cases = SafetensorsFile::open(fixture(dir) / "cases.safetensors");
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const char* name : kInputs) {
    if (name == skip) continue;
    if (name == replace.first) {
      tensors.emplace_back(name, replace.second);
    } else if (cases.contains(prefix + name)) {
      tensors.emplace_back(name, cases.tensor(prefix + name));
    }
  }
  fs::path p = tmp / "inputs.safetensors";
  write_safetensors(p, tensors);
  return p;
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

struct Case {
  std::string dir, prefix;
  std::vector<std::string> weights_args;  // --weights ... and what goes with it
};

TEST(DebugForwardTransformer, MatchesTheFixtureOutputs) {
  const std::vector<Case> cases = {
      {"wan21_t2v_tiny", "case1/", {"--weights", fixture("wan21_t2v_tiny").string()}},
      {"wan21_t2v_tiny", "case2/", {"--weights", fixture("wan21_t2v_tiny/transformer").string()}},
      {"wan21_i2v_tiny", "case1/", {"--weights", fixture("wan21_i2v_tiny").string()}},
      {"wan21_i2v_tiny",
       "case2/",
       {"--weights", fixture("wan21_i2v_tiny/wan21_i2v_tiny_original.safetensors").string(),
        "--num_heads", "4"}},
      {"wan22_i2v_tiny", "case1/", {"--weights", fixture("wan22_i2v_tiny").string()}},
      {"wan22_i2v_tiny",
       "low_case1/",
       {"--weights", fixture("wan22_i2v_tiny").string(), "--subfolder", "transformer_2"}},
      {"wan22_i2v_tiny",
       "low_case1/",
       {"--weights", fixture("wan22_i2v_tiny/wan22_i2v_tiny_low_original.safetensors").string(),
        "--num_heads", "4"}},
  };
  for (const auto& c : cases) {
    test::TempDir tmp;
    fs::path inputs = write_inputs(tmp, c.dir, c.prefix);
    fs::path output = tmp / "out.safetensors";
    std::vector<std::string> args = {"debug",         "forward",  "transformer",  "--inputs",
                                     inputs.string(), "--output", output.string()};
    args.insert(args.end(), c.weights_args.begin(), c.weights_args.end());
    Result r = reel(args);
    ASSERT_EQ(r.code, 0) << c.dir << " " << c.prefix << ": " << r.err;
    EXPECT_TRUE(contains(r.out, "sample [")) << r.out;

    SafetensorsFile expected = SafetensorsFile::open(fixture(c.dir) / "cases.safetensors");
    SafetensorsFile got = SafetensorsFile::open(output);
    for (const char* name : {"sample", "temb", "timestep_proj"}) {
      ASSERT_TRUE(got.contains(name)) << name;
      at::Tensor want = expected.tensor(c.prefix + name);
      ASSERT_EQ(got.tensor(name).sizes(), want.sizes()) << name;
      EXPECT_LT(max_abs_diff(got.tensor(name), want), 1e-4)
          << c.dir << " " << c.prefix << name << " " << c.weights_args[1];
    }
  }
}

TEST(DebugForwardTransformer, ReadsPrefixedInputsAndRunsInBf16) {
  test::TempDir tmp;
  fs::path output = tmp / "out.safetensors";
  Result r =
      reel({"debug", "forward", "transformer", "--weights", fixture("wan21_t2v_tiny").string(),
            "--inputs", fixture("wan21_t2v_tiny/cases.safetensors").string(), "--input_prefix",
            "case1/", "--output", output.string(), "--dtype", "bf16"});
  ASSERT_EQ(r.code, 0) << r.err;
  SafetensorsFile expected = SafetensorsFile::open(fixture("wan21_t2v_tiny/cases.safetensors"));
  at::Tensor sample = SafetensorsFile::open(output).tensor("sample");
  EXPECT_EQ(sample.scalar_type(), at::kFloat);
  // bf16 weights and activations: close to the float32 reference, not equal.
  double d = max_abs_diff(sample, expected.tensor("case1/sample"));
  EXPECT_LT(d, 0.5);
  EXPECT_GT(d, 0.0);
}

TEST(DebugForwardTransformer, MissingAndMisShapedInputsAreClearErrors) {
  test::TempDir tmp;
  const std::string out = (tmp / "out.safetensors").string();
  auto run = [&](const std::string& dir, const fs::path& inputs) {
    return reel({"debug", "forward", "transformer", "--weights", fixture(dir).string(), "--inputs",
                 inputs.string(), "--output", out});
  };

  fs::path in = write_inputs(tmp, "wan21_t2v_tiny", "case1/", "encoder_hidden_states");
  Result r = run("wan21_t2v_tiny", in);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, in.string())) << r.err;
  EXPECT_TRUE(contains(r.err, "key 'encoder_hidden_states': missing input tensor")) << r.err;
  EXPECT_TRUE(contains(r.err, "the file has: ")) << r.err;

  in = write_inputs(tmp, "wan21_t2v_tiny", "case1/", "",
                    {"hidden_states", at::zeros({1, 17, 1, 8, 12})});
  r = run("wan21_t2v_tiny", in);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(
      contains(r.err, "key 'hidden_states': shape [1, 17, 1, 8, 12] is not [B, 16, F, H, W]"))
      << r.err;

  in = write_inputs(tmp, "wan21_t2v_tiny", "case1/", "",
                    {"hidden_states", at::zeros({1, 16, 1, 7, 12})});
  r = run("wan21_t2v_tiny", in);
  EXPECT_TRUE(contains(r.err, "multiples of the patch [1, 2, 2]")) << r.err;

  in = write_inputs(tmp, "wan21_t2v_tiny", "case1/", "", {"timestep", at::zeros({2})});
  r = run("wan21_t2v_tiny", in);
  EXPECT_TRUE(contains(r.err, "key 'timestep': shape [2] is neither [1] nor [1, 24]")) << r.err;

  in = write_inputs(tmp, "wan21_t2v_tiny", "case1/", "",
                    {"encoder_hidden_states", at::zeros({1, 7, 33})});
  r = run("wan21_t2v_tiny", in);
  EXPECT_TRUE(contains(r.err, "shape [1, 7, 33] is not [1, L, 32]")) << r.err;

  in = write_inputs(tmp, "wan21_t2v_tiny", "case1/", "",
                    {"encoder_hidden_states_image", at::zeros({1, 257, 1280})});
  r = run("wan21_t2v_tiny", in);
  EXPECT_TRUE(contains(r.err, "has no image branch")) << r.err;

  in = write_inputs(tmp, "wan21_i2v_tiny", "case1/", "encoder_hidden_states_image");
  r = run("wan21_i2v_tiny", in);
  EXPECT_TRUE(contains(r.err, "key 'encoder_hidden_states_image': missing input tensor")) << r.err;

  in = write_inputs(tmp, "wan21_i2v_tiny", "case1/", "",
                    {"encoder_hidden_states_image", at::zeros({1, 257, 1000})});
  r = run("wan21_i2v_tiny", in);
  EXPECT_TRUE(contains(r.err, "is not [1, 257, 1280]")) << r.err;

  in = write_inputs(tmp, "wan21_t2v_tiny", "case1/");
  r = reel({"debug", "forward", "transformer", "--weights", fixture("wan21_t2v_tiny").string(),
            "--inputs", in.string(), "--output", out, "--dtype", "int8"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "fp32, bf16 or fp16")) << r.err;
  EXPECT_FALSE(fs::exists(out));

  r = reel({"debug", "forward", "transformer", "--weights",
            fixture("umt5_tiny/text_encoder").string(), "--inputs", in.string(), "--output", out});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "not a Wan transformer checkpoint")) << r.err;
}

TEST(DebugForwardTransformer, HelpAndMissingSubcommand) {
  Result r = reel({"debug", "forward", "transformer", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "--weights")) << r.out;
  EXPECT_NE(reel({"debug"}).code, 0);
  EXPECT_NE(reel({"debug", "forward"}).code, 0);
}

TEST(InspectWan, ShowsHeadsFfnAndWidth) {
  Result r = reel({"inspect", fixture("wan21_i2v_tiny/transformer").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "layout      Wan transformer, diffusers names; I2V (Wan 2.1"))
      << r.out;
  EXPECT_TRUE(contains(
      r.out,
      "wan         2 layers, dim 64 (4 heads x 16), ffn 128, in 36, out 16, text 32, image 1280"))
      << r.out;

  r = reel({"inspect", fixture("wan21_t2v_tiny/wan21_t2v_tiny_original.safetensors").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "layout      Wan transformer, official names; T2V, dim 64, 2 blocks"))
      << r.out;
  EXPECT_TRUE(contains(
      r.out, "wan         2 layers, dim 64 (heads unknown: not a released width), ffn 128"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "parameters  ")) << r.out;
}

}  // namespace
}  // namespace reel
