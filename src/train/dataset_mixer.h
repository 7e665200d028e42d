// Which dataset the next batch comes from (spec/dataloader.md §6, ST's
// dataloader_iterator.py): each dataset still active in this epoch gets a weight by
// `data_backend_sampling` — auto-weighting (default): probability x its batches per epoch,
// normalised over all datasets; uniform: probability — and one is drawn by a generator seeded
// with seed + step, so the choice at a step never depends on what came before (a resumed
// run chooses the same).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace reel {

struct MixedDataset {
  std::string id;
  double probability = 1.0;
  int64_t batches_per_epoch = 0;
  // Activity window (spec §1): start_epoch / start_step, end_epoch / end_step.
  int64_t start_epoch = 1, start_step = 0;
  std::optional<int64_t> end_epoch, end_step;
};

enum class DatasetSampling { kAutoWeighting, kUniform };

// Parses "auto-weighting" / "uniform"; throws reel::Error naming data_backend_sampling.
DatasetSampling parse_dataset_sampling(const std::string& name);

// The index of the chosen dataset, or nullopt when none is active and not exhausted.
std::optional<size_t> choose_dataset(const std::vector<MixedDataset>& datasets,
                                     const std::vector<bool>& exhausted, DatasetSampling sampling,
                                     uint64_t seed, int64_t step, int64_t epoch);

}  // namespace reel
