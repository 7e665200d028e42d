// LoRA's dropout on the adapter input, reproducible and safe under gradient checkpointing.
//
// Gradient checkpointing (nn/checkpoint.h) reruns a block in the backward pass, and the rerun
// must see the masks the forward drew, or the gradients belong to a different network. So
// a mask is not drawn from a running generator but from one seeded with
// hash(seed, pass, call number): the trainer starts each training forward with new_pass(),
// calls replay() once that forward is done, and from then on the n-th call uses the mask of
// forward call n (counted modulo the forward's calls, as a rerun block calls its layers in
// the forward's order, and with a chunked feed-forward once per chunk). The state to
// checkpoint is only (seed, pass).
//
//   dropout.new_pass(step);   loss = forward();   dropout.replay();   loss.backward();
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace reel {

class LoraDropout {
 public:
  // p in [0, 1): the probability of zeroing an element (the rest are scaled by 1/(1-p)).
  LoraDropout(double p, uint64_t seed);

  double p() const { return p_; }
  uint64_t seed() const { return seed_; }
  uint64_t pass() const { return pass_; }

  void new_pass(uint64_t pass);
  void replay();

  // x with dropout applied: a mask drawn (or replayed) for this call. x itself when p = 0.
  at::Tensor operator()(const at::Tensor& x) const;

 private:
  double p_;
  uint64_t seed_;
  uint64_t pass_ = 0;
  bool replaying_ = false;
  // Calls are counted in the const call operator: the layer that owns this is shared with
  // the model as a const nn::LinearAdapter.
  mutable uint64_t calls_ = 0;
  uint64_t forward_calls_ = 0;
};

}  // namespace reel
