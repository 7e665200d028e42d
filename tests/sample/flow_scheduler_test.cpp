// Every sampling case of the schedulers fixture (diffusers / Wan2.1 / SimpleTuner schedulers run
// on a closed-form stand-in model): the grids and every step of the trajectory.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/safetensors.h"
#include "sample/flow_scheduler.h"
#include "sample/flow_scheduler_factory.h"
#include "support/error_of.h"
#include "test_paths.h"

namespace reel {
namespace {

const std::string kDir = std::string(REEL_FIXTURES_DIR) + "/schedulers";

struct Case {
  std::string name, scheduler;
  int64_t steps;
  double shift;
};

// Fixture case prefixes and the factory names of the schedulers that produced them.
const std::map<std::string, std::string> kSchedulerOfPrefix = {{"unipc", "unipc"},
                                                               {"unipc_official", "unipc-wan"},
                                                               {"euler", "euler"},
                                                               {"euler_stbounds", "euler-st"},
                                                               {"euler_betas", "euler-betas"},
                                                               {"dpm", "dpm++"}};

std::vector<Case> sampling_cases() {
  std::ifstream in(kDir + "/fixture.json");
  const nlohmann::json fixture = nlohmann::json::parse(in);
  const std::regex pattern("(.+)_s[0-9]+_shift[0-9]+");
  std::vector<Case> cases;
  for (const auto& [name, c] : fixture.at("cases").items()) {
    std::smatch m;
    if (!std::regex_match(name, m, pattern)) continue;  // `training` is not a sampler
    cases.push_back({name, kSchedulerOfPrefix.at(m[1].str()), c.at("steps").get<int64_t>(),
                     c.at("shift").get<double>()});
  }
  return cases;
}

const SafetensorsFile& cases_file() {
  static const SafetensorsFile file = SafetensorsFile::open(kDir + "/cases.safetensors");
  return file;
}

double max_abs(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

class FlowSchedulerFixture : public testing::TestWithParam<Case> {};

TEST_P(FlowSchedulerFixture, MatchesTheReferenceGridAndTrajectory) {
  const Case& c = GetParam();
  const std::string p = c.name + "/";
  const SafetensorsFile& f = cases_file();
  auto scheduler = make_flow_scheduler(c.scheduler, c.steps, c.shift);
  ASSERT_EQ(scheduler->num_steps(), c.steps);

  const at::Tensor timesteps = scheduler->timesteps();
  const bool integer =
      c.scheduler == "unipc" || c.scheduler == "unipc-wan" || c.scheduler == "dpm++";
  if (integer) {
    ASSERT_EQ(timesteps.scalar_type(), at::kLong);
    EXPECT_TRUE(at::equal(timesteps, f.tensor(p + "timesteps_int64")))
        << timesteps << f.tensor(p + "timesteps_int64");
  } else {
    ASSERT_EQ(timesteps.scalar_type(), at::kFloat);
  }
  EXPECT_LE(max_abs(timesteps, f.tensor(p + "timesteps")), 1e-5)
      << timesteps << f.tensor(p + "timesteps");
  ASSERT_EQ(scheduler->sigmas().scalar_type(), at::kFloat);
  EXPECT_LE(max_abs(scheduler->sigmas(), f.tensor(p + "sigmas")), 1e-5)
      << scheduler->sigmas() << f.tensor(p + "sigmas");

  // The fixture's stand-in model, fed the timestep as the scheduler returns it.
  const at::Tensor target = f.tensor(p + "target");
  const at::Tensor expected = f.tensor(p + "x_after_step");
  at::Tensor x = f.tensor(p + "x0").clone();
  for (int64_t i = 0; i < c.steps; ++i) {
    const double t = timesteps[i].item<double>();
    const at::Tensor v = 0.5 * x - 0.3 * target + 0.001 * t;
    x = scheduler->step(v, i, x);
    ASSERT_LE(max_abs(x, expected[i]), 1e-4) << "after step " << i;
  }
  EXPECT_LE(max_abs(x, f.tensor(p + "final")), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Cases, FlowSchedulerFixture, testing::ValuesIn(sampling_cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(FlowSchedulerFixtureCases, CoverEverySchedulerOfTheFactory) {
  std::map<std::string, int> count;
  for (const Case& c : sampling_cases()) ++count[c.scheduler];
  for (const std::string& name : flow_scheduler_names()) EXPECT_EQ(count[name], 4) << name;
}

TEST(FlowSchedulerFactory, AnUnknownNameListsTheKnownOnes) {
  const std::string e = test::error_of([] { make_flow_scheduler("ddim", 10, 3.0); });
  EXPECT_TRUE(test::contains_text(e, "unknown sampler 'ddim'")) << e;
  EXPECT_TRUE(test::contains_text(e, "unipc, unipc-wan, euler, euler-st, euler-betas, dpm++")) << e;
}

TEST(FlowSchedulerFactory, ZeroStepsAndABadShiftAreErrors) {
  const std::string zero = test::error_of([] { make_flow_scheduler("unipc", 0, 3.0); });
  EXPECT_TRUE(test::contains_text(zero, "at least 1 step, not 0")) << zero;
  const std::string shift = test::error_of([] { make_flow_scheduler("euler", 4, -1.0); });
  EXPECT_TRUE(test::contains_text(shift, "positive number, not -1")) << shift;
}

TEST(FlowScheduler, StepsOutOfOrderOrRangeAreErrors) {
  auto s = make_flow_scheduler("unipc", 4, 3.0);
  const at::Tensor x = at::zeros({2});
  s->step(x, 0, x);
  EXPECT_TRUE(test::contains_text(test::error_of([&] { s->step(x, 2, x); }), "out of order"));
  EXPECT_TRUE(test::contains_text(test::error_of([&] { s->step(x, 4, x); }),
                                  "outside the schedule's 4 steps"));
}

TEST(FlowScheduler, OneStepGoesStraightToTheCleanPrediction) {
  // With one step every sampler ends at sigma 0, where x0 = x - sigma_0 * v.
  for (const std::string& name : flow_scheduler_names()) {
    auto s = make_flow_scheduler(name, 1, 3.0);
    const at::Tensor x = at::full({3}, 2.0f), v = at::full({3}, 1.5f);
    const double sigma0 = s->sigmas()[0].item<double>();
    EXPECT_NEAR(s->step(v, 0, x)[0].item<double>(), 2.0 - sigma0 * 1.5, 1e-6) << name;
  }
}

}  // namespace
}  // namespace reel
