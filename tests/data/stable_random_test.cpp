#include <gtest/gtest.h>

#include <numeric>

#include "data/stable_random.h"

namespace reel {
namespace {

TEST(StableRandom, FnvHashOfKnownInputs) {
  // FNV-1a 64 reference values.
  EXPECT_EQ(stable_hash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(stable_hash("a"), 0xaf63dc4c8601ec8cULL);
}

TEST(StableRandom, SameSeedPartsSameStream) {
  StableRandom a({1, 2}), b({1, 2}), c({2, 1});
  uint64_t x = a.next();
  EXPECT_EQ(x, b.next());
  EXPECT_NE(x, c.next());
}

TEST(StableRandom, BelowStaysInRangeAndReachesEveryValue) {
  StableRandom r({7});
  std::vector<int> hits(5, 0);
  for (int i = 0; i < 500; ++i) {
    uint64_t v = r.below(5);
    ASSERT_LT(v, 5u);
    ++hits[v];
  }
  for (int h : hits) EXPECT_GT(h, 50);
  double u = r.uniform();
  EXPECT_GE(u, 0.0);
  EXPECT_LT(u, 1.0);
}

TEST(StableRandom, ShuffleIsAPermutation) {
  StableRandom r({3});
  std::vector<int> v(50);
  std::iota(v.begin(), v.end(), 0);
  auto w = v;
  r.shuffle(w);
  EXPECT_NE(w, v);
  std::sort(w.begin(), w.end());
  EXPECT_EQ(w, v);
}

}  // namespace
}  // namespace reel
