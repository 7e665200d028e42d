#include <gtest/gtest.h>

#include <fstream>

#include "app/run_reel.h"
#include "support/safetensors_header.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

using test::contains;
using test::reel;
using test::Result;

const std::string kExample = std::string(REEL_SOURCE_DIR) + "/examples/wan21-t2v-tiny";

TEST(Cli, VersionNamesLibtorchCudaFfmpegAndGpus) {
  Result r = reel({"--version"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "reel 0.")) << r.out;
  EXPECT_TRUE(contains(r.out, "built against libtorch 2.11.0, CUDA 13.0")) << r.out;
  EXPECT_TRUE(contains(r.out, "GPU: none visible") || contains(r.out, "GPU 0: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "FFmpeg: libavformat ")) << r.out;
}

TEST(Cli, CommandsNotBuiltYetSaySoAndFail) {
  for (const char* cmd : {"configure", "lora", "serve"}) {
    Result r = reel({cmd, "config.json"});
    EXPECT_EQ(r.code, 2) << cmd;
    EXPECT_TRUE(contains(r.err, std::string("reel ") + cmd + " is not built yet")) << r.err;
  }
}

TEST(Cli, EveryCommandHasHelp) {
  for (const char* cmd :
       {"inspect", "config", "train", "cache", "sample", "configure", "lora", "serve"}) {
    Result r = reel({cmd, "--help"});
    EXPECT_EQ(r.code, 0) << cmd << r.err;
    EXPECT_FALSE(r.out.empty()) << cmd;
  }
}

TEST(Cli, UnknownCommandFails) {
  EXPECT_NE(reel({"trian"}).code, 0);
}

TEST(Cli, InspectPipelineFolderShowsEveryComponent) {
  Result r = reel({"inspect", kExample});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "diffusers pipeline WanPipeline")) << r.out;
  EXPECT_TRUE(
      contains(r.out, "layout      Wan transformer, diffusers names; T2V, dim 64, 2 blocks"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "layout      Wan VAE, diffusers names; z_dim 16")) << r.out;
  EXPECT_TRUE(contains(r.out, "layout      UMT5 text encoder, transformers names; 2 layers"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "config      WanTransformer3DModel: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "num_layers=2")) << r.out;
  EXPECT_TRUE(contains(r.out, "UniPCMultistepScheduler: ")) << r.out;
}

TEST(Cli, InspectCountsMatchAnIndependentReadingOfTheHeader) {
  auto file = kExample + "/transformer/diffusion_pytorch_model.safetensors";
  auto header = test::read_safetensors_header(file);
  int64_t params = 0;
  for (const auto& [name, e] : header) {
    int64_t n = 1;
    for (auto d : e.shape) n *= d;
    params += n;
  }
  std::string grouped = std::to_string(params);
  for (int i = static_cast<int>(grouped.size()) - 3; i > 0; i -= 3) grouped.insert(i, ",");

  Result r = reel({"inspect", file, "--tensors"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "tensors     " + std::to_string(header.size()) + "\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "parameters  " + grouped)) << r.out;
  EXPECT_TRUE(contains(r.out, "F32: " + std::to_string(header.size()) + " tensors")) << r.out;
  EXPECT_TRUE(contains(r.out, "    patch_embedding.weight  F32 [64, 16, 1, 2, 2]")) << r.out;
}

TEST(Cli, BadInputIsOneClearLineWithoutStackTrace) {
  test::TempDir dir;
  auto bad = dir.write("broken.safetensors", std::string("\x10\x00\x00\x00\x00\x00\x00\x00{", 9));
  Result r = reel({"inspect", bad.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "error: ")) << r.err;
  EXPECT_TRUE(contains(r.err, bad.string())) << r.err;
  EXPECT_FALSE(contains(r.err, "Exception raised from")) << r.err;
  EXPECT_FALSE(contains(r.err, "internal error")) << r.err;

  Result missing = reel({"inspect", (dir / "nothing-here").string()});
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(contains(missing.err, "nothing-here: no such file or folder")) << missing.err;
}

// The acceptance check: the quickstart's files are accepted key by key, and the only
// problems are the three files it names but does not ship, each by key and path.
TEST(Cli, ConfigCheckOfTheQuickstartReportsOnlyTheMissingFiles) {
  const std::string examples = std::string(REEL_FIXTURES_DIR) + "/../examples/";
  Result r = reel({"config", "check", examples + "config.json", "--data_backend_config",
                   examples + "multidatabackend.json"});
  EXPECT_EQ(r.code, 1) << r.err;  // errors: the webhook file and the dataset folder
  size_t at = r.out.find("\nproblems:\n");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::string problems = r.out.substr(at);
  std::vector<std::string> lines;
  for (size_t p = problems.find("\n  "); p != std::string::npos; p = problems.find("\n  ", p + 1)) {
    lines.push_back(problems.substr(p + 3, problems.find('\n', p + 1) - p - 3));
  }
  ASSERT_EQ(lines.size(), 3u) << problems;
  EXPECT_TRUE(contains(lines[0], "key 'webhook_config'") &&
              contains(lines[0], "config/wan/webhook.json"))
      << lines[0];
  EXPECT_TRUE(contains(lines[1], "key 'lycoris_config'") &&
              contains(lines[1], "config/wan/lycoris_config.json"))
      << lines[1];
  EXPECT_TRUE(contains(lines[2], "key 'instance_data_dir'") &&
              contains(lines[2], "datasets/disney-black-and-white"))
      << lines[2];
  EXPECT_TRUE(contains(problems, "2 errors, 1 warning, ")) << problems;
  // Values and where they came from: the file, the command line, Wan's forced settings.
  EXPECT_TRUE(contains(r.out, "learning_rate")) << r.out;
  EXPECT_TRUE(contains(r.out, "[command line]")) << r.out;
  EXPECT_TRUE(contains(r.out, "frames               73 per clip")) << r.out;
}

TEST(Cli, ConfigReferenceIsTheCommittedDocs) {
  Result r = reel({"config", "reference"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, test::read_file(std::string(REEL_SOURCE_DIR) + "/docs/options.md"))
      << "docs/options.md is stale: build/reel config reference > docs/options.md";
}

}  // namespace
}  // namespace reel
