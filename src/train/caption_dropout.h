// Caption dropout (spec training.md §3): each sample's caption is replaced by the empty
// caption with probability caption_dropout_probability, so the model also learns the
// unconditional prediction that classifier-free guidance needs.
//
// The decisions come from a generator of their own, seeded from the run's seed and saved in
// checkpoints, so a resumed run drops exactly the captions the uninterrupted run would have,
// whatever else draws random numbers meanwhile.
//
//   CaptionDropout dropout(config.caption_dropout_probability, seed);
//   std::vector<bool> drop = dropout.draw(batch_size);   // true: use the empty caption
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reel {

class CaptionDropout {
 public:
  // Throws reel::Error when probability is outside [0, 1].
  CaptionDropout(double probability, uint64_t seed);

  // One decision per sample: uniform draw < probability. Always draws `batch` numbers, so the
  // sequence does not depend on the probability.
  std::vector<bool> draw(int64_t batch);

  double probability() const { return probability_; }

  // The generator's state, as {"caption_dropout.generator", uint8 tensor}.
  std::vector<std::pair<std::string, at::Tensor>> state_tensors() const;
  // Throws reel::Error when the tensor is missing.
  void restore(const std::vector<std::pair<std::string, at::Tensor>>& tensors);

 private:
  double probability_;
  at::Generator generator_;
};

}  // namespace reel
