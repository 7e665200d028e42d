#include "train/dataset_mixer.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "core/error.h"

namespace reel {

DatasetSampling parse_dataset_sampling(const std::string& name) {
  if (name == "auto-weighting") return DatasetSampling::kAutoWeighting;
  if (name == "uniform") return DatasetSampling::kUniform;
  throw Error("unknown data_backend_sampling '" + name + "'")
      .key("data_backend_sampling")
      .hint("use auto-weighting or uniform");
}

std::optional<size_t> choose_dataset(const std::vector<MixedDataset>& datasets,
                                     const std::vector<bool>& exhausted, DatasetSampling sampling,
                                     uint64_t seed, int64_t step, int64_t epoch) {
  double total_batches = 0;
  for (const MixedDataset& d : datasets) total_batches += static_cast<double>(d.batches_per_epoch);
  std::vector<double> weights(datasets.size(), 0.0);
  double sum = 0;
  for (size_t i = 0; i < datasets.size(); ++i) {
    const MixedDataset& d = datasets[i];
    const bool active = epoch >= d.start_epoch && step >= d.start_step &&
                        (!d.end_epoch || epoch <= *d.end_epoch) &&
                        (!d.end_step || step <= *d.end_step);
    if (!active || exhausted.at(i)) continue;
    weights[i] = sampling == DatasetSampling::kUniform
                     ? d.probability
                     : d.probability * static_cast<double>(d.batches_per_epoch) /
                           std::max(total_batches, 1.0);
    sum += weights[i];
  }
  if (sum <= 0) return std::nullopt;
  size_t active_count = 0, last = 0;
  for (size_t i = 0; i < weights.size(); ++i)
    if (weights[i] > 0) ++active_count, last = i;
  if (active_count == 1) return last;
  at::Generator generator =
      at::make_generator<at::CPUGeneratorImpl>(seed + static_cast<uint64_t>(step));
  at::Tensor w = at::tensor(weights, at::kDouble);
  return static_cast<size_t>(at::multinomial(w / sum, 1, false, generator).item<int64_t>());
}

}  // namespace reel
