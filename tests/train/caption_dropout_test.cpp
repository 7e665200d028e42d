#include "train/caption_dropout.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "support/error_of.h"

namespace reel {
namespace {

int64_t count_dropped(CaptionDropout& d, int64_t batch, int rounds) {
  int64_t n = 0;
  for (int i = 0; i < rounds; ++i) {
    const std::vector<bool> drop = d.draw(batch);
    EXPECT_EQ(drop.size(), static_cast<size_t>(batch));
    n += std::count(drop.begin(), drop.end(), true);
  }
  return n;
}

TEST(CaptionDropout, DropsAboutTheGivenShare) {
  CaptionDropout d(0.1, 42);
  // 20000 decisions at p = 0.1: 2000 expected, standard deviation 42.
  EXPECT_NEAR(count_dropped(d, 4, 5000), 2000, 200);
  CaptionDropout never(0.0, 42), always(1.0, 42);
  EXPECT_EQ(count_dropped(never, 8, 100), 0);
  EXPECT_EQ(count_dropped(always, 8, 100), 800);
}

TEST(CaptionDropout, SameSeedSameDecisions) {
  CaptionDropout a(0.5, 7), b(0.5, 7), c(0.5, 8);
  std::vector<bool> da, db, dc;
  for (int i = 0; i < 20; ++i) {
    for (bool x : a.draw(3)) da.push_back(x);
    for (bool x : b.draw(3)) db.push_back(x);
    for (bool x : c.draw(3)) dc.push_back(x);
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST(CaptionDropout, ResumeFromStateRepeatsTheDecisions) {
  CaptionDropout straight(0.3, 11);
  for (int i = 0; i < 5; ++i) straight.draw(2);
  const auto saved = straight.state_tensors();
  std::vector<bool> expected;
  for (int i = 0; i < 10; ++i) {
    for (bool x : straight.draw(2)) expected.push_back(x);
  }
  CaptionDropout resumed(0.3, 999);  // the seed no longer matters once restored
  resumed.restore(saved);
  std::vector<bool> got;
  for (int i = 0; i < 10; ++i) {
    for (bool x : resumed.draw(2)) got.push_back(x);
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].first, "caption_dropout.generator");
}

TEST(CaptionDropout, BadInputIsAnError) {
  EXPECT_TRUE(test::contains_text(test::error_of([] { CaptionDropout(1.5, 1); }),
                                  "caption_dropout_probability"));
  CaptionDropout d(0.1, 1);
  EXPECT_TRUE(test::contains_text(test::error_of([&] { d.restore({}); }), "caption dropout"));
}

}  // namespace
}  // namespace reel
