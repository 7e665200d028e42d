// `reel debug scheduler` through the command line, against the schedulers fixture.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "app/run_reel.h"
#include "core/safetensors.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

using test::contains;
using test::reel;
using test::Result;

const std::string kCases = std::string(REEL_FIXTURES_DIR) + "/schedulers/cases.safetensors";

double max_abs(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

TEST(DebugScheduler, WritesTheFixturesTrajectory) {
  test::TempDir dir;
  const std::string out = (dir / "unipc.safetensors").string();
  Result r = reel({"debug", "scheduler", "unipc", "--steps", "4", "--shift", "3", "--inputs",
                   kCases, "--input_prefix", "unipc_s4_shift3/", "--output", out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "unipc, 4 steps, timesteps 999 .. 500 -> " + out + "\n");
  const SafetensorsFile expected = SafetensorsFile::open(kCases);
  const SafetensorsFile f = SafetensorsFile::open(out);
  EXPECT_TRUE(at::equal(f.tensor("timesteps"), expected.tensor("unipc_s4_shift3/timesteps_int64")));
  EXPECT_LE(max_abs(f.tensor("sigmas"), expected.tensor("unipc_s4_shift3/sigmas")), 1e-5);
  EXPECT_LE(max_abs(f.tensor("x_after_step"), expected.tensor("unipc_s4_shift3/x_after_step")),
            1e-4);
  EXPECT_LE(max_abs(f.tensor("final"), expected.tensor("unipc_s4_shift3/final")), 1e-4);
}

TEST(DebugScheduler, AnUnknownSamplerIsAnErrorListingTheKnownOnes) {
  test::TempDir dir;
  const std::string out = (dir / "x.safetensors").string();
  Result r = reel({"debug", "scheduler", "ddim", "--steps", "4", "--inputs", kCases,
                   "--input_prefix", "unipc_s4_shift3/", "--output", out});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "unknown sampler 'ddim'")) << r.err;
  EXPECT_TRUE(contains(r.err, "euler-betas")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(DebugScheduler, AMissingInputIsAnErrorNamingIt) {
  test::TempDir dir;
  Result r = reel({"debug", "scheduler", "euler", "--steps", "4", "--inputs", kCases, "--output",
                   (dir / "x.safetensors").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "x0")) << r.err;
}

}  // namespace
}  // namespace reel
