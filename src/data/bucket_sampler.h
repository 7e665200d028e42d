// The batches of one dataset (spec/dataloader.md §6, ST's MultiAspectSampler): every batch
// holds train_batch_size samples of one bucket, every sample comes repeats+1 times per epoch,
// and the order is a pure function of (seed, epoch), so a run resumed from state() draws
// exactly the batches the uninterrupted run would have.
//
// One epoch, drawn from StableRandom({seed, stable_hash("bucket-sampler"), epoch}):
//   1. per bucket, in key order: repeats+1 passes over its samples, each pass a fresh
//      permutation (so a sample comes back only after every other sample of its bucket did),
//      cut into batches of batch_size; a short last batch is topped up with samples of the
//      same bucket already drawn this epoch (those not in the batch first, in random order)
//      and the bucket is then exhausted;
//   2. the buckets' batches are interleaved in random order: each step draws a random
//      non-exhausted bucket, with a chance proportional to the batches it has left, so that
//      no bucket's batches bunch up at the end of the epoch.
// size() is therefore the sum over buckets of ceil(samples x (repeats+1) / batch_size).
// The epoch ends when every bucket is exhausted; next() then returns nothing until
// start_next_epoch(), because the trainer ends an epoch only when all datasets have.
//
//   BucketSampler sampler(scan.samples, {.batch_size = 2, .repeats = 1, .seed = seed});
//   while (auto batch = sampler.next()) train_on(batch->samples);
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/sample.h"

namespace reel {

struct BucketSamplerOptions {
  int batch_size = 1;  // train_batch_size (per rank)
  int repeats = 0;     // the dataset's repeats
  uint64_t seed = 0;   // the run's seed
  // allow_dataset_oversubscription: a bucket with fewer than this many samples x (repeats+1)
  // per epoch gets ceil(this / samples) - 1 repeats instead, filling the steps the scan kept
  // it for (ScanOptions::min_bucket_samples). 0: off.
  int64_t min_bucket_occurrences = 0;
};

struct SampledBatch {
  std::string bucket;
  std::vector<size_t> samples;  // indices into the sampler's sample list, batch_size of them
};

class BucketSampler {
 public:
  // `samples` are a DatasetScan's; the sampler keeps their buckets, not the samples. Throws
  // reel::Error when there are none or batch_size or repeats is out of range.
  BucketSampler(const std::vector<Sample>& samples, BucketSamplerOptions options);

  // The next batch of this epoch; nullopt once every bucket is exhausted.
  std::optional<SampledBatch> next();
  // Begins epoch() + 1 with a new order.
  void start_next_epoch();

  int64_t epoch() const { return epoch_; }        // from 1
  int64_t position() const { return position_; }  // batches drawn this epoch
  int64_t size() const { return batches_per_epoch_; }
  bool exhausted() const { return position_ >= batches_per_epoch_; }

  // {"format": "reel-bucket-sampler", "version": 1, "fingerprint", "seed", "epoch",
  //  "position", and for people: "samples", "buckets", "batch_size", "repeats", "seen" (sample
  //  draws this epoch), "exhausted_buckets"}.
  nlohmann::json state() const;
  // Continues from a state(); throws reel::Error when it was written for another sample set,
  // batch size, repeats or seed, or is not a sampler state at all.
  void restore(const nlohmann::json& state);

 private:
  struct Bucket {
    std::string name;
    std::vector<size_t> members;  // sample indices, in sample order
    int passes = 1;               // repeats + 1, oversubscription included
    int64_t batches = 0;
  };

  void plan_epoch();
  std::string describe() const;

  BucketSamplerOptions options_;
  std::vector<Bucket> buckets_;  // by name
  size_t sample_count_ = 0;
  std::string fingerprint_;
  int64_t batches_per_epoch_ = 0;
  int64_t epoch_ = 1;
  int64_t position_ = 0;
  std::vector<SampledBatch> plan_;
};

}  // namespace reel
