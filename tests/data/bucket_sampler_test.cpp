#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "data/bucket_sampler.h"
#include "support/error_of.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;
using Batches = std::vector<SampledBatch>;

// `sizes` samples per bucket, named "<bucket>/<i>".
std::vector<Sample> samples(const std::map<std::string, int>& sizes) {
  std::vector<Sample> out;
  for (const auto& [bucket, n] : sizes) {
    for (int i = 0; i < n; ++i) {
      Sample s;
      s.relative_path = bucket + "/" + std::to_string(i) + ".mp4";
      s.bucket = bucket;
      out.push_back(s);
    }
  }
  return out;
}

Batches drain(BucketSampler& s) {
  Batches out;
  while (auto b = s.next()) out.push_back(*b);
  return out;
}

std::vector<std::vector<size_t>> indices(const Batches& batches) {
  std::vector<std::vector<size_t>> out;
  for (const auto& b : batches) out.push_back(b.samples);
  return out;
}

TEST(BucketSampler, EveryBatchComesFromOneBucketAndEverySampleRepeatsPlusOneTimes) {
  auto list = samples({{"0.55", 6}, {"1.0", 2}, {"1.82", 4}});
  BucketSampler sampler(list, {2, 1, 7, 0});
  EXPECT_EQ(sampler.size(), 12);  // (6 + 2 + 4) x 2 / 2
  Batches epoch = drain(sampler);
  ASSERT_EQ(epoch.size(), 12u);
  EXPECT_TRUE(sampler.exhausted());
  std::map<size_t, int> seen;
  for (const auto& b : epoch) {
    ASSERT_EQ(b.samples.size(), 2u);
    for (size_t i : b.samples) {
      EXPECT_EQ(list[i].bucket, b.bucket);
      ++seen[i];
    }
  }
  ASSERT_EQ(seen.size(), list.size());
  for (const auto& [i, n] : seen) EXPECT_EQ(n, 2) << list[i].relative_path;
}

TEST(BucketSampler, ASampleComesBackOnlyAfterItsWholeBucket) {
  auto list = samples({{"a", 4}});
  BucketSampler sampler(list, {2, 2, 3, 0});
  Batches epoch = drain(sampler);
  ASSERT_EQ(epoch.size(), 6u);
  for (size_t pass = 0; pass < 3; ++pass) {
    std::set<size_t> in_pass;
    for (size_t k = 0; k < 2; ++k) {
      for (size_t i : epoch[pass * 2 + k].samples) in_pass.insert(i);
    }
    EXPECT_EQ(in_pass.size(), 4u) << "pass " << pass;
  }
}

TEST(BucketSampler, ShortBucketIsToppedUpFromItsOwnSeenSamples) {
  auto list = samples({{"a", 3}, {"b", 2}});
  for (uint64_t seed = 0; seed < 20; ++seed) {
    BucketSampler sampler(list, {2, 0, seed, 0});
    EXPECT_EQ(sampler.size(), 3);  // ceil(3/2) + 1
    Batches a;
    for (const auto& b : drain(sampler)) {
      if (b.bucket == "a") a.push_back(b);
    }
    ASSERT_EQ(a.size(), 2u);
    // The second batch of "a" holds the one sample not drawn yet and one sample of the first
    // batch, never the same sample twice.
    const auto& first = a[0].samples;
    const auto& last = a[1].samples;
    ASSERT_EQ(last.size(), 2u);
    EXPECT_NE(last[0], last[1]) << "seed " << seed;
    std::set<size_t> all(first.begin(), first.end());
    all.insert(last.begin(), last.end());
    EXPECT_EQ(all, (std::set<size_t>{0, 1, 2}));
    EXPECT_EQ(std::count(first.begin(), first.end(), last[0]) +
                  std::count(first.begin(), first.end(), last[1]),
              1);
  }
}

TEST(BucketSampler, ASingleSampleFillsAWholeBatch) {
  auto list = samples({{"a", 1}});
  BucketSampler sampler(list, {3, 0, 0, 0});
  Batches epoch = drain(sampler);
  ASSERT_EQ(epoch.size(), 1u);
  EXPECT_EQ(epoch[0].samples, (std::vector<size_t>{0, 0, 0}));
}

TEST(BucketSampler, OversubscriptionRepeatsASmallBucketToTheMinimum) {
  auto list = samples({{"a", 1}, {"b", 8}});
  BucketSampler sampler(list, {2, 0, 0, 4});
  EXPECT_EQ(sampler.size(), 2 + 4);  // a: 4 passes of 1 sample; b: 8 already
  int a_draws = 0;
  for (const auto& b : drain(sampler)) {
    if (b.bucket == "a") a_draws += static_cast<int>(b.samples.size());
  }
  EXPECT_EQ(a_draws, 4);
}

TEST(BucketSampler, SameSeedSameOrderOtherSeedOrEpochAnother) {
  auto list = samples({{"x", 10}, {"y", 10}, {"z", 10}});
  BucketSampler one(list, {2, 0, 42, 0}), two(list, {2, 0, 42, 0}), other(list, {2, 0, 43, 0});
  Batches e1 = drain(one);
  EXPECT_EQ(indices(e1), indices(drain(two)));
  EXPECT_NE(indices(e1), indices(drain(other)));
  EXPECT_FALSE(one.next().has_value());  // the epoch stays over until asked
  one.start_next_epoch();
  EXPECT_EQ(one.epoch(), 2);
  Batches e2 = drain(one);
  EXPECT_EQ(e2.size(), e1.size());
  EXPECT_NE(indices(e2), indices(e1));
  // Buckets are interleaved, not drawn one after the other.
  std::vector<std::string> order;
  for (const auto& b : e1) order.push_back(b.bucket);
  EXPECT_FALSE(std::is_sorted(order.begin(), order.end()));
}

TEST(BucketSampler, RestoredMidEpochYieldsWhatTheUninterruptedOneWould) {
  auto list = samples({{"0.55", 5}, {"1.82", 7}, {"1.0", 3}});
  const BucketSamplerOptions options{2, 1, 1234, 0};
  BucketSampler straight(list, options);
  Batches e1 = drain(straight);
  straight.start_next_epoch();
  Batches e2 = drain(straight);

  for (int64_t stop : {int64_t{0}, int64_t{5}, static_cast<int64_t>(e1.size())}) {
    BucketSampler first(list, options);
    for (int64_t i = 0; i < stop; ++i) first.next();
    // Through text, as a checkpoint stores it.
    auto state = nlohmann::json::parse(first.state().dump());
    EXPECT_EQ(state["position"], stop);
    BucketSampler resumed(list, options);
    resumed.restore(state);
    Batches rest = drain(resumed);
    EXPECT_EQ(indices(rest), indices(Batches(e1.begin() + stop, e1.end()))) << "stop " << stop;
    resumed.start_next_epoch();
    EXPECT_EQ(indices(drain(resumed)), indices(e2)) << "stop " << stop;
  }
}

TEST(BucketSampler, StateNamesExhaustedBuckets) {
  auto list = samples({{"a", 2}, {"b", 20}});
  BucketSampler sampler(list, {2, 0, 5, 0});
  while (true) {
    auto b = sampler.next();
    ASSERT_TRUE(b.has_value());
    if (b->bucket == "a") break;  // a has one batch only
  }
  auto state = sampler.state();
  EXPECT_EQ(state["exhausted_buckets"], nlohmann::json::array({"a"}));
  EXPECT_EQ(state["seen"], sampler.position() * 2);
}

TEST(BucketSampler, StateOfAnotherSampleSetIsRejected) {
  auto list = samples({{"a", 4}, {"b", 4}});
  BucketSampler sampler(list, {2, 0, 9, 0});
  sampler.next();
  auto state = sampler.state();

  BucketSampler more(samples({{"a", 4}, {"b", 5}}), {2, 0, 9, 0});
  std::string err = error_of([&] { more.restore(state); });
  EXPECT_TRUE(contains_text(err, "another sample set")) << err;
  EXPECT_TRUE(contains_text(err, "8 samples in 2 buckets")) << err;
  EXPECT_TRUE(contains_text(err, "9 samples in 2 buckets")) << err;

  BucketSampler bigger_batch(list, {4, 0, 9, 0});
  EXPECT_TRUE(contains_text(error_of([&] { bigger_batch.restore(state); }), "another sample set"));
  BucketSampler other_seed(list, {2, 0, 10, 0});
  EXPECT_TRUE(contains_text(error_of([&] { other_seed.restore(state); }), "seed 9"));
  EXPECT_TRUE(contains_text(error_of([&] {
                              sampler.restore(nlohmann::json{{"epoch", 1}});
                            }),
                            "not a bucket sampler state"));
  auto far = state;
  far["position"] = 99;
  EXPECT_TRUE(contains_text(error_of([&] { sampler.restore(far); }), "out of range"));
}

TEST(BucketSampler, RejectsNoSamplesAndBadBatchSize) {
  EXPECT_TRUE(contains_text(error_of([] { BucketSampler s({}, {2, 0, 0, 0}); }), "at least one"));
  EXPECT_TRUE(contains_text(error_of([] {
                              BucketSampler s(samples({{"a", 1}}), {0, 0, 0, 0});
                            }),
                            "train_batch_size"));
}

}  // namespace
}  // namespace reel
