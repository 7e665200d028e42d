#include "models/weight_mismatch.h"

#include <gtest/gtest.h>

namespace reel {

TEST(WeightMismatch, CountsThenTheFirstFiveNamesOfEachKind) {
  WeightMismatch m;
  for (int i = 0; i < 7; ++i) m.missing.push_back("w" + std::to_string(i));
  m.wrong_shape.push_back("b [3] (expected [4])");
  EXPECT_FALSE(m.empty());
  EXPECT_EQ(m.summary(),
            "7 missing, 1 with the wrong shape\n"
            "  missing (7): w0, w1, w2, w3, w4, ... and 2 more\n"
            "  wrong shape (1): b [3] (expected [4])");
}

TEST(WeightMismatch, EmptyWhenEverythingFits) {
  EXPECT_TRUE(WeightMismatch{}.empty());
  EXPECT_EQ(WeightMismatch{}.summary(), "");
}

}  // namespace reel
