// Standard LoRA (PEFT) on one Linear: y = W·x + b + multiplier · (alpha/r) · B·A·dropout(x),
// A [r, in], B [out, r].
//
// Init (PEFT, lora.md §1): `default` draws A from kaiming_uniform(a=√5), i.e. U(±1/√in);
// `gaussian` draws A from N(0, (1/r)²); B = 0 for both, so a fresh layer changes nothing.
// Draws come from an explicit CPU generator in float32 and are then cast and moved, so a seed
// gives the same adapter on every device and dtype.
//
//   LoraLayerOptions o;  o.rank = 16;  o.alpha = 16;  o.dropout = 0.1;
//   auto lora = std::make_shared<LoraLayer>(in, out, o, gen, 7);   // dropout seed 7
//   linear.adapter = lora;
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/lora_dropout.h"
#include "adapters/module_adapter.h"

namespace reel {

enum class LoraInit { kDefault, kGaussian };

// "default" or "gaussian" (ST's lora_init_type). loftq, olora and pissa, and any other name,
// throw reel::Error saying what Reel supports.
LoraInit parse_lora_init(std::string_view name);

struct LoraLayerOptions {
  int64_t rank = 16;
  double alpha = 16.0;  // scale = alpha / rank
  double dropout = 0.0;
  LoraInit init = LoraInit::kDefault;
  at::ScalarType dtype = at::kFloat;  // of A and B
  at::Device device = at::kCPU;
};

class LoraLayer : public ModuleAdapter {
 public:
  // A fresh layer for a Linear of `in_features` -> `out_features`, initialised from `gen`
  // (a CPU generator); `dropout_seed` seeds its dropout masks.
  LoraLayer(int64_t in_features, int64_t out_features, const LoraLayerOptions& options,
            at::Generator& gen, uint64_t dropout_seed = 0);
  // A layer with the given factors (a loaded file): A [r, in], B [out, r], copied to
  // options.dtype / options.device as trainable leaves; options.rank is taken from A.
  LoraLayer(const at::Tensor& a, const at::Tensor& b, double alpha, const LoraLayerOptions& options,
            uint64_t dropout_seed = 0);

  AdapterAlgo algo() const override { return AdapterAlgo::kLora; }
  int64_t rank() const override { return a_.size(0); }
  double alpha() const override { return alpha_; }
  double scale() const override { return alpha_ / static_cast<double>(rank()); }

  const at::Tensor& a() const { return a_; }
  const at::Tensor& b() const { return b_; }
  std::vector<std::pair<std::string, at::Tensor>> named_parameters() const override;

  void set_training(bool training) override;
  const LoraDropout& dropout() const { return dropout_; }
  void new_dropout_pass(uint64_t pass) override { dropout_.new_pass(pass); }
  void replay_dropout() override { dropout_.replay(); }

 protected:
  at::Tensor scaled_delta(const at::Tensor& x, double factor) const override;
  at::Tensor scaled_delta_weight(double factor) const override;

 private:
  at::Tensor a_, b_;
  double alpha_;
  LoraDropout dropout_;
  bool dropout_active_ = false;
};

}  // namespace reel
