#include <gtest/gtest.h>

#include "support/error_of.h"
#include "train/dataset_mixer.h"

namespace reel {
namespace {

TEST(DatasetMixer, WeightsByProbabilityTimesLength) {
  // auto-weighting: 1.0 x 30 vs 1.0 x 10 batches -> chosen about 3:1.
  std::vector<MixedDataset> d = {{"big", 1.0, 30}, {"small", 1.0, 10}};
  int big = 0;
  for (int step = 0; step < 4000; ++step) {
    big += *choose_dataset(d, {false, false}, DatasetSampling::kAutoWeighting, 42, step, 1) == 0;
  }
  EXPECT_NEAR(big / 4000.0, 0.75, 0.03);
  // uniform: probability alone, 1 : 1.
  big = 0;
  for (int step = 0; step < 4000; ++step) {
    big += *choose_dataset(d, {false, false}, DatasetSampling::kUniform, 42, step, 1) == 0;
  }
  EXPECT_NEAR(big / 4000.0, 0.5, 0.03);
}

TEST(DatasetMixer, TheChoiceAtAStepDependsOnlyOnSeedAndStep) {
  std::vector<MixedDataset> d = {{"a", 1.0, 5}, {"b", 0.5, 5}, {"c", 2.0, 5}};
  for (int step : {0, 1, 17, 1000}) {
    auto first = choose_dataset(d, {false, false, false}, DatasetSampling::kUniform, 9, step, 1);
    for (int again = 0; again < 3; ++again)
      EXPECT_EQ(choose_dataset(d, {false, false, false}, DatasetSampling::kUniform, 9, step, 1),
                first);
  }
}

TEST(DatasetMixer, ExhaustedAndInactiveDatasetsAreNeverChosen) {
  std::vector<MixedDataset> d = {{"a", 1.0, 5}, {"b", 1.0, 5}, {"late", 1.0, 5}};
  d[2].start_step = 100;
  for (int step = 0; step < 50; ++step) {
    EXPECT_EQ(choose_dataset(d, {true, false, false}, DatasetSampling::kAutoWeighting, 1, step, 1),
              1u);
  }
  d[1].end_epoch = 1;
  EXPECT_FALSE(choose_dataset(d, {true, false, false}, DatasetSampling::kAutoWeighting, 1, 5, 2));
  EXPECT_EQ(choose_dataset(d, {true, false, false}, DatasetSampling::kAutoWeighting, 1, 100, 2),
            2u);
  EXPECT_FALSE(choose_dataset(d, {true, true, true}, DatasetSampling::kUniform, 1, 100, 1));
}

TEST(DatasetMixer, UnknownSamplingNamesTheChoices) {
  EXPECT_EQ(parse_dataset_sampling("uniform"), DatasetSampling::kUniform);
  std::string e = test::error_of([] { parse_dataset_sampling("weighted"); });
  EXPECT_TRUE(test::contains_text(e, "auto-weighting or uniform")) << e;
}

}  // namespace
}  // namespace reel
