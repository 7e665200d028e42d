#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "support/error_of.h"
#include "support/temp_dir.h"
#include "train/metrics_log.h"

namespace reel {
namespace {

std::vector<nlohmann::json> lines(const std::filesystem::path& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(MetricsLog, WritesOneJsonObjectPerStep) {
  test::TempDir dir;
  {
    MetricsLog m(dir.path(), "none");
    m.log(1, {{"train_loss", 0.5}, {"learning_rate", 1e-4}});
    m.log(2, {{"train_loss", 0.25}});
  }
  auto l = lines(dir / "metrics.jsonl");
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0]["step"], 1);
  EXPECT_DOUBLE_EQ(l[0]["learning_rate"].get<double>(), 1e-4);
  EXPECT_DOUBLE_EQ(l[1]["train_loss"].get<double>(), 0.25);
  EXPECT_FALSE(std::filesystem::exists(dir / "logs")) << "report_to none writes no events";
}

TEST(MetricsLog, AResumedRunDropsTheStepsAfterItsCheckpoint) {
  test::TempDir dir;
  {
    MetricsLog m(dir.path(), "tensorboard");
    for (int step = 1; step <= 5; ++step) m.log(step, {{"train_loss", 1.0 / step}});
  }
  {
    std::ofstream torn(dir / "metrics.jsonl", std::ios::app);
    torn << "{\"step\": 6, \"train_lo";  // a crash mid-line
  }
  {
    MetricsLog m(dir.path(), "tensorboard", /*resumed_step=*/3);
    m.log(4, {{"train_loss", 0.3}});
  }
  auto l = lines(dir / "metrics.jsonl");
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[2]["step"], 3);
  EXPECT_EQ(l[3]["step"], 4);
  EXPECT_DOUBLE_EQ(l[3]["train_loss"].get<double>(), 0.3);
  EXPECT_FALSE(test::dir_entries(dir / "logs").empty());
}

TEST(MetricsLog, AFreshRunStartsAnEmptyFile) {
  test::TempDir dir;
  dir.write("metrics.jsonl", "{\"step\": 9}\n");
  { MetricsLog m(dir.path(), "none"); }
  EXPECT_TRUE(lines(dir / "metrics.jsonl").empty());
}

TEST(MetricsLog, UnknownReportToNamesTheChoices) {
  test::TempDir dir;
  std::string e = test::error_of([&] { MetricsLog m(dir.path(), "comet"); });
  EXPECT_TRUE(test::contains_text(e, "report_to")) << e;
  EXPECT_TRUE(test::contains_text(e, "none, tensorboard, wandb or all")) << e;
}

}  // namespace
}  // namespace reel
