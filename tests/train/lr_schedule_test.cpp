#include "train/lr_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/error_of.h"

namespace reel {
namespace {

// eta = 1e-4, e = lr_end = 4e-7 throughout.
LrSchedule schedule(const std::string& name, int64_t warmup, int64_t max_steps,
                    int64_t processes = 1) {
  LrScheduleConfig c;
  c.name = name;
  c.learning_rate = 1e-4;
  c.warmup_steps = warmup;
  c.max_steps = max_steps;
  c.lr_end = 4e-7;
  c.power = 0.8;
  c.num_processes = processes;
  return LrSchedule(c);
}

constexpr double kTight = 1e-18;

TEST(LrSchedule, Constant) {
  const LrSchedule s = schedule("constant", 100, 1000);
  EXPECT_DOUBLE_EQ(s.lr(0), 1e-4);
  EXPECT_DOUBLE_EQ(s.lr(50), 1e-4);
  EXPECT_DOUBLE_EQ(s.lr(5000), 1e-4);
}

TEST(LrSchedule, ConstantWithWarmupIsTheDefault) {
  EXPECT_EQ(LrScheduleConfig{}.name, "constant_with_warmup");
  const LrSchedule s = schedule("constant_with_warmup", 100, 1000);
  EXPECT_DOUBLE_EQ(s.lr(0), 0.0);      // eta * 0 / 100
  EXPECT_DOUBLE_EQ(s.lr(25), 2.5e-5);  // eta * 25 / 100
  EXPECT_DOUBLE_EQ(s.lr(100), 1e-4);
  EXPECT_DOUBLE_EQ(s.lr(900), 1e-4);
  // No warm-up: eta from the first step.
  EXPECT_DOUBLE_EQ(schedule("constant_with_warmup", 0, 1000).lr(0), 1e-4);
}

TEST(LrSchedule, Linear) {
  const LrSchedule s = schedule("linear", 100, 1100);
  EXPECT_DOUBLE_EQ(s.lr(50), 5e-5);   // warm-up: eta * 50 / 100
  EXPECT_DOUBLE_EQ(s.lr(100), 1e-4);  // eta * (1100 - 100) / 1000
  EXPECT_DOUBLE_EQ(s.lr(600), 5e-5);  // eta * (1100 - 600) / 1000
  EXPECT_DOUBLE_EQ(s.lr(1100), 0.0);
  EXPECT_DOUBLE_EQ(s.lr(1300), 0.0);  // max(0, ...)
}

TEST(LrSchedule, Polynomial) {
  const LrSchedule s = schedule("polynomial", 100, 1100);
  EXPECT_DOUBLE_EQ(s.lr(50), 5e-5);
  EXPECT_NEAR(s.lr(100), 1e-4, kTight);  // (eta - e) * 1^0.8 + e
  // (eta - e) * (1 - 500/1000)^0.8 + e = 9.96e-5 * 0.5743491775 + 4e-7 = 5.7605178079e-5
  EXPECT_NEAR(s.lr(600), 5.7605178078852e-5, 1e-17);
  EXPECT_NEAR(s.lr(1100), 4e-7, kTight);  // (eta - e) * 0 + e
  EXPECT_NEAR(s.lr(2000), 4e-7, kTight);  // past N: e
}

TEST(LrSchedule, StCosineOverTheSeedConfigsRun) {
  // The seed config: W = N = 400000, so the no-restart cosine is half a cosine over the run:
  // lr = e + (eta - e)(1 + cos(pi t / W)) / 2, floored to a multiple of 1e-9, no warm-up.
  const LrSchedule s = schedule("cosine", 400000, 400000);
  EXPECT_DOUBLE_EQ(s.lr(0), 1e-4);
  // t = W/4: 4e-7 + 9.96e-5 * (1 + cos(pi/4)) / 2 = 8.5413917703e-5 -> floored 8.5413e-5.
  EXPECT_NEAR(s.lr(100000), 8.5413e-5, kTight);
  // t = W/2: 4e-7 + 9.96e-5 / 2 = 5.02e-5.
  EXPECT_NEAR(s.lr(200000), 5.02e-5, kTight);
  EXPECT_NEAR(s.lr(400000), 4e-7, kTight);
  // No restart: the LR climbs back with period 2W (at 3W/2 the floor gives 5.0199e-5 or
  // 5.02e-5 depending on cos's last bit, as in ST).
  EXPECT_NEAR(s.lr(600000), 5.02e-5, 1.5e-9);
  EXPECT_NEAR(s.lr(800000), 1e-4, kTight);
}

TEST(LrSchedule, StCosineWithoutWarmupStepsUsesAThousandStepPeriod) {
  const LrSchedule s = schedule("cosine", 0, 5000);
  EXPECT_NEAR(s.lr(500), 5.02e-5, kTight);  // cos(pi * 500 / 1000) = 0
  EXPECT_NEAR(s.lr(1000), 4e-7, kTight);
  // Two processes: the schedule runs 2 steps per optimizer step; the fallback period stays
  // 1000, so step 500 is already the trough.
  EXPECT_NEAR(schedule("cosine", 0, 5000, 2).lr(500), 4e-7, kTight);
  // With W > 0 the processes scale W and t alike.
  EXPECT_NEAR(schedule("cosine", 1000, 5000, 4).lr(500), 5.02e-5, kTight);
}

TEST(LrSchedule, StCosineWithRestartsIsConstant) {
  const LrSchedule s = schedule("cosine_with_restarts", 100, 1000);
  for (int64_t t : {0, 1, 50, 100, 999, 5000}) EXPECT_NEAR(s.lr(t), 1e-4, kTight) << t;
}

TEST(LrSchedule, CosineWarmup) {
  const LrSchedule s = schedule("cosine_warmup", 100, 1100);
  EXPECT_DOUBLE_EQ(s.lr(50), 5e-5);
  EXPECT_DOUBLE_EQ(s.lr(100), 1e-4);
  // progress 1/4: eta * (1 + cos(pi/4)) / 2 = 8.5355339059e-5
  EXPECT_NEAR(s.lr(350), 8.535533905932738e-5, 1e-17);
  EXPECT_NEAR(s.lr(600), 5e-5, 1e-17);
  EXPECT_NEAR(s.lr(1100), 0.0, 1e-20);
  EXPECT_NEAR(s.lr(1500), 0.0, 1e-20);  // stays at 0 past N
}

TEST(LrSchedule, ProcessesScaleWarmupAndSteps) {
  // constant_with_warmup on 2 processes: t = 2 * 25 of W = 2 * 100 -> still a quarter.
  EXPECT_DOUBLE_EQ(schedule("constant_with_warmup", 100, 1000, 2).lr(25), 2.5e-5);
}

TEST(LrSchedule, BadConfigsAreErrors) {
  const std::string unknown = test::error_of([] { schedule("cosine_annealing", 0, 100); });
  EXPECT_TRUE(test::contains_text(unknown, "cosine_annealing")) << unknown;
  EXPECT_TRUE(test::contains_text(unknown, "constant_with_warmup, linear, polynomial, cosine"))
      << unknown;
  EXPECT_TRUE(test::contains_text(test::error_of([] { schedule("sine", 0, 100); }),
                                  "not offered by Reel yet"));
  EXPECT_TRUE(test::contains_text(test::error_of([] { schedule("polynomial", 100, 100); }),
                                  "lr_warmup_steps"));
  EXPECT_TRUE(
      test::contains_text(test::error_of([] { schedule("linear", 0, 0); }), "max_train_steps"));
  EXPECT_TRUE(test::contains_text(test::error_of([] {
                                    LrScheduleConfig c;
                                    c.name = "polynomial";
                                    c.learning_rate = 1e-7;
                                    c.max_steps = 10;
                                    LrSchedule s(c);
                                  }),
                                  "lr_end"));
  EXPECT_TRUE(
      test::contains_text(test::error_of([] { schedule("constant", -1, 100); }), "negative"));
}

}  // namespace
}  // namespace reel
