// What every adapter algorithm (LoRA, LoCon, LoHa, LoKr) is to the rest of Reel: a
// nn::LinearAdapter that adds multiplier · scale · ΔW·x to one Linear's output, whose
// trainable factors have stable names, and that can give its ΔW for merging.
//
//   y = W·x + b + multiplier · (scale · ΔW·x + bias_delta)
//
// The factors are float32 leaf tensors with requires_grad (or the dtype asked for); the
// maths runs in x's dtype. `set_training` matters only to algorithms with dropout (LoRA).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "adapters/adapter_weights.h"
#include "nn/linear.h"

namespace reel {

class ModuleAdapter : public nn::LinearAdapter {
 public:
  ModuleAdapter(int64_t in_features, int64_t out_features);

  virtual AdapterAlgo algo() const = 0;
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  // The rank (LyCORIS "dim") and alpha as a file records them, and the scale the
  // algorithm derives from them.
  virtual int64_t rank() const = 0;
  virtual double alpha() const = 0;
  virtual double scale() const = 0;

  // The trainable factors under their native names ("lora_A", "lokr_w1", ...), in a fixed
  // order.
  virtual std::vector<std::pair<std::string, at::Tensor>> named_parameters() const = 0;
  std::vector<at::Tensor> parameters() const override;

  at::Tensor delta(const at::Tensor& x) const final;
  // multiplier · scale · ΔW [out, in] in the factors' dtype (no bias), for merging and tests.
  at::Tensor delta_weight() const;

  double multiplier() const { return multiplier_; }
  void set_multiplier(double multiplier) { multiplier_ = multiplier; }
  bool training() const { return training_; }
  virtual void set_training(bool training) { training_ = training; }

  // A bias delta [out] (from a file's `.diff_b`); undefined when there is none.
  const at::Tensor& bias_delta() const { return bias_delta_; }
  void set_bias_delta(at::Tensor bias);

  // The factors (detached), alpha and bias delta, as a file would hold them.
  AdapterWeights weights() const;

  // Dropout masks for gradient checkpointing (lora_dropout.h); no-ops without dropout.
  virtual void new_dropout_pass(uint64_t /*pass*/) {}
  virtual void replay_dropout() {}

 protected:
  // factor · scale · ΔW·x, computed in x's dtype.
  virtual at::Tensor scaled_delta(const at::Tensor& x, double factor) const = 0;
  // factor · scale · ΔW in the factors' dtype.
  virtual at::Tensor scaled_delta_weight(double factor) const = 0;

 private:
  int64_t in_features_, out_features_;
  double multiplier_ = 1.0;
  bool training_ = false;
  at::Tensor bias_delta_;
};

// A trainable copy of `t` as `dtype` on `device`: a leaf tensor that requires grad.
at::Tensor make_adapter_parameter(const at::Tensor& t, at::ScalarType dtype, at::Device device);

// Uniform in ±1/√fan_in, fan_in = shape[1]: torch.nn.init.kaiming_uniform_(a=√5), the init
// PEFT and LyCORIS give their "down" factors. Drawn in float32 on the CPU from `gen`, so a
// seed gives the same values on every device.
at::Tensor kaiming_uniform_a_sqrt5(int64_t rows, int64_t fan_in, at::Generator& gen);

}  // namespace reel
