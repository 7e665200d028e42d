#include "data/bucket_sampler.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/error.h"
#include "data/stable_random.h"

using nlohmann::json;

namespace reel {
namespace {

constexpr const char* kFormat = "reel-bucket-sampler";
constexpr int kVersion = 1;

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

BucketSampler::BucketSampler(const std::vector<Sample>& samples, BucketSamplerOptions options)
    : options_(options), sample_count_(samples.size()) {
  if (samples.empty()) throw Error("the bucket sampler needs at least one sample");
  if (options_.batch_size < 1) {
    throw Error("train_batch_size " + std::to_string(options_.batch_size) + " is not positive")
        .key("train_batch_size");
  }
  if (options_.repeats < 0) {
    throw Error("repeats " + std::to_string(options_.repeats) + " is negative").key("repeats");
  }
  std::map<std::string, std::vector<size_t>> by_bucket;
  std::string identity = std::to_string(options_.batch_size) + "|" +
                         std::to_string(options_.repeats) + "|" +
                         std::to_string(options_.min_bucket_occurrences) + "\n";
  for (size_t i = 0; i < samples.size(); ++i) {
    by_bucket[samples[i].bucket].push_back(i);
    identity += samples[i].relative_path + '\0' + samples[i].bucket + '\n';
  }
  fingerprint_ = hex64(stable_hash(identity));
  const int64_t batch = options_.batch_size;
  for (auto& [name, members] : by_bucket) {
    Bucket b;
    b.name = name;
    b.members = std::move(members);
    const int64_t n = static_cast<int64_t>(b.members.size());
    b.passes = options_.repeats + 1;
    if (n * b.passes < options_.min_bucket_occurrences) {
      b.passes = static_cast<int>((options_.min_bucket_occurrences + n - 1) / n);
    }
    b.batches = (n * b.passes + batch - 1) / batch;
    batches_per_epoch_ += b.batches;
    buckets_.push_back(std::move(b));
  }
  plan_epoch();
}

void BucketSampler::plan_epoch() {
  StableRandom rng({options_.seed, stable_hash("bucket-sampler"), static_cast<uint64_t>(epoch_)});
  const size_t batch = static_cast<size_t>(options_.batch_size);

  // 1. Each bucket's batches, in the order that bucket yields them.
  std::vector<std::vector<std::vector<size_t>>> per_bucket(buckets_.size());
  for (size_t b = 0; b < buckets_.size(); ++b) {
    const Bucket& bucket = buckets_[b];
    std::vector<size_t> queue;
    for (int pass = 0; pass < bucket.passes; ++pass) {
      std::vector<size_t> order = bucket.members;
      rng.shuffle(order);
      queue.insert(queue.end(), order.begin(), order.end());
    }
    auto& batches = per_bucket[b];
    for (size_t start = 0; start < queue.size(); start += batch) {
      size_t end = std::min(start + batch, queue.size());
      batches.emplace_back(queue.begin() + start, queue.begin() + end);
    }
    std::vector<size_t>& last = batches.back();
    if (last.size() < batch) {
      // Top up from the bucket's samples, those not in this batch first.
      std::vector<size_t> pool = bucket.members;
      rng.shuffle(pool);
      std::stable_partition(pool.begin(), pool.end(), [&](size_t s) {
        return std::find(last.begin(), last.end(), s) == last.end();
      });
      for (size_t k = 0; last.size() < batch; ++k) last.push_back(pool[k % pool.size()]);
    }
  }

  // 2. Interleave: a random order of the bucket labels, each as often as it has batches.
  std::vector<size_t> labels;
  labels.reserve(static_cast<size_t>(batches_per_epoch_));
  for (size_t b = 0; b < buckets_.size(); ++b) labels.insert(labels.end(), per_bucket[b].size(), b);
  rng.shuffle(labels);
  std::vector<size_t> next(buckets_.size(), 0);
  plan_.clear();
  plan_.reserve(labels.size());
  for (size_t b : labels) {
    plan_.push_back({buckets_[b].name, std::move(per_bucket[b][next[b]++])});
  }
}

std::optional<SampledBatch> BucketSampler::next() {
  if (exhausted()) return std::nullopt;
  return plan_[static_cast<size_t>(position_++)];
}

void BucketSampler::start_next_epoch() {
  ++epoch_;
  position_ = 0;
  plan_epoch();
}

std::string BucketSampler::describe() const {
  return std::to_string(sample_count_) + " samples in " + std::to_string(buckets_.size()) +
         " buckets, train_batch_size " + std::to_string(options_.batch_size) + ", repeats " +
         std::to_string(options_.repeats);
}

json BucketSampler::state() const {
  json exhausted_buckets = json::array();
  std::map<std::string, int64_t> left;
  for (size_t i = static_cast<size_t>(position_); i < plan_.size(); ++i) ++left[plan_[i].bucket];
  for (const Bucket& b : buckets_) {
    if (!left.count(b.name)) exhausted_buckets.push_back(b.name);
  }
  return {{"format", kFormat},
          {"version", kVersion},
          {"fingerprint", fingerprint_},
          {"seed", options_.seed},
          {"epoch", epoch_},
          {"position", position_},
          {"samples", sample_count_},
          {"buckets", buckets_.size()},
          {"batch_size", options_.batch_size},
          {"repeats", options_.repeats},
          {"seen", position_ * options_.batch_size},
          {"exhausted_buckets", std::move(exhausted_buckets)}};
}

void BucketSampler::restore(const json& state) {
  const char* hint =
      "the dataset's files or buckets, train_batch_size, repeats or seed changed since the "
      "checkpoint was written; resume with the setup it was written with, or start afresh";
  int64_t epoch = 0, position = 0;
  try {
    if (!state.is_object() || state.value("format", "") != kFormat) {
      throw Error("not a bucket sampler state: " + state.dump().substr(0, 80));
    }
    if (state.at("version") != kVersion) {
      throw Error("bucket sampler state version " + state.at("version").dump() +
                  ", this Reel reads version " + std::to_string(kVersion));
    }
    if (state.at("fingerprint").get<std::string>() != fingerprint_) {
      std::string was =
          state.contains("samples")
              ? state["samples"].dump() + " samples in " + state.value("buckets", json()).dump() +
                    " buckets, train_batch_size " + state.value("batch_size", json()).dump() +
                    ", repeats " + state.value("repeats", json()).dump()
              : "an unknown sample set";
      throw Error("the bucket sampler state was written for another sample set (" + was +
                  "); this run has " + describe())
          .hint(hint);
    }
    if (state.at("seed").get<uint64_t>() != options_.seed) {
      throw Error("the bucket sampler state was written with seed " + state.at("seed").dump() +
                  ", this run has seed " + std::to_string(options_.seed))
          .hint(hint);
    }
    epoch = state.at("epoch").get<int64_t>();
    position = state.at("position").get<int64_t>();
  } catch (const json::exception& e) {
    throw Error(std::string("malformed bucket sampler state: ") + e.what());
  }
  if (epoch < 1 || position < 0 || position > batches_per_epoch_) {
    throw Error("bucket sampler state epoch " + std::to_string(epoch) + " position " +
                std::to_string(position) + " is out of range (epochs from 1, positions 0.." +
                std::to_string(batches_per_epoch_) + ")");
  }
  epoch_ = epoch;
  position_ = position;
  plan_epoch();
}

}  // namespace reel
