// The set of adapters attached to one Wan transformer: standard LoRA (PEFT), LyCORIS, or
// adapters made from a loaded file. The network never edits model code: it sets
// nn::Linear::adapter on the Linears it wraps (WanTransformer::linears()) and clears it in
// remove(). It holds pointers into the model, so the model must outlive it (moving the
// WanTransformer is fine; its layers stay where they are).
//
//   LoraNetworkOptions o;  o.rank = 16;  o.seed = 42;
//   AdapterNetwork net = AdapterNetwork::create_lora(model, o);
//   optimizer.add(net.named_parameters());
//   net.set_training(true);
//   net.new_dropout_pass(step);  loss = ...forward...;  net.replay_dropout();  backward;
//   save_adapter_file(out / "pytorch_lora_weights.safetensors", net.weights(), {...});
//
// named_parameters() names each trainable tensor by the key it is saved under in the
// network's default file layout: ComfyUI keys for LoRA
// ("diffusion_model.blocks.0.self_attn.q.lora_A.weight"), LyCORIS' native keys otherwise
// ("lycoris_blocks_0_attn1_to_q.lokr_w1"); the names and their order are stable, so they
// key optimizer state and resume.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/adapter_weights.h"
#include "adapters/lora_layer.h"
#include "adapters/lycoris_config.h"
#include "adapters/module_adapter.h"

namespace reel {

class WanTransformer;
namespace nn {
struct Linear;
}

// Standard LoRA as ST configures it (lora.md §1).
struct LoraNetworkOptions {
  int64_t rank = 16;                   // lora_rank
  std::optional<double> alpha;         // lora_alpha; unset = rank (scale 1)
  double dropout = 0.1;                // lora_dropout
  LoraInit init = LoraInit::kDefault;  // lora_init_type
  // peft_lora_target_modules; empty = default_lora_target_modules() (adapter_targets.h).
  std::vector<std::string> target_modules;
  at::ScalarType dtype = at::kFloat;  // of the adapter weights
  uint64_t seed = 0;                  // init and dropout masks
};

// How adapters made from a loaded file are held.
struct LoadedAdapterOptions {
  at::ScalarType dtype = at::kFloat;
  double dropout = 0.0;  // for LoRA modules (e.g. init_lora before training)
  uint64_t seed = 0;     // their dropout masks
};

class AdapterNetwork {
 public:
  // LoRA on every Linear matching options.target_modules, initialised from options.seed.
  static AdapterNetwork create_lora(WanTransformer& model, const LoraNetworkOptions& options);
  // LyCORIS per `config` (adapter_targets.h for the targets), initialised from `seed`, with
  // config.multiplier as the multiplier.
  static AdapterNetwork create_lycoris(WanTransformer& model, const LycorisConfig& config,
                                       uint64_t seed, at::ScalarType dtype = at::kFloat);
  // Adapters holding `weights` (a loaded file, lora_file.h), e.g. for inference or init_lora.
  // Every module must be a Linear of the model with matching shapes; throws reel::Error
  // naming the modules that are not.
  static AdapterNetwork from_weights(WanTransformer& model, const AdapterWeightSet& weights,
                                     const LoadedAdapterOptions& options = {});

  AdapterNetwork(AdapterNetwork&&) noexcept;
  AdapterNetwork& operator=(AdapterNetwork&&) noexcept;
  ~AdapterNetwork();

  // Number of adapted modules.
  size_t size() const { return modules_.size(); }
  // Diffusers names of the adapted modules, in the model's order.
  std::vector<std::string> module_names() const;
  const ModuleAdapter& adapter(const std::string& module) const;

  // Is any module a LyCORIS algorithm (so the file layout is LyCORIS')?
  bool is_lycoris() const { return lycoris_layout_; }
  // The LyCORIS config this network was made from (null for LoRA and loaded networks).
  const LycorisConfig* lycoris_config() const { return lycoris_.get(); }

  // Every trainable tensor (see above for the names).
  std::vector<std::pair<std::string, at::Tensor>> named_parameters() const;
  std::vector<at::Tensor> parameters() const;
  // Copies `tensors` into the parameters of the same name (resume); the parameters stay the
  // same tensors, so an optimizer holding them is unaffected. Throws reel::Error listing
  // missing, unknown and mis-shaped names, before changing anything.
  void load_parameters(const std::vector<std::pair<std::string, at::Tensor>>& tensors);

  // The same from a loaded file (any layout): every module of the network must be in
  // `weights` with the same algorithm, alpha and shapes, and nothing else may be.
  void load_weights(const AdapterWeightSet& weights);

  // The weights of every module, by diffusers module name (detached), for saving.
  AdapterWeightSet weights() const;

  void set_training(bool training);
  bool training() const { return training_; }
  void set_multiplier(double multiplier);
  double multiplier() const { return multiplier_; }

  // LoRA dropout under gradient checkpointing (lora_dropout.h): call new_dropout_pass()
  // before each training forward and replay_dropout() after it, before backward. The pass
  // number (e.g. the micro-step) is all the dropout state there is to checkpoint.
  void new_dropout_pass(uint64_t pass);
  void replay_dropout();

  // Detaches every adapter from the model (the network keeps them).
  void remove();
  bool attached() const { return attached_; }
  // W += multiplier · scale · ΔW (and b += multiplier · bias delta) for every module, in the
  // weights' dtype, then detaches: the model computes the adapted function on its own.
  void merge_into_base();

 private:
  struct Module {
    std::string name;
    nn::Linear* linear;
    std::shared_ptr<ModuleAdapter> adapter;
  };
  AdapterNetwork() = default;
  void attach(std::vector<Module> modules);
  // The saved key of one of a module's tensors in the default layout.
  std::string parameter_key(const Module& m, const std::string& tensor) const;

  std::vector<Module> modules_;
  std::unique_ptr<LycorisConfig> lycoris_;
  double multiplier_ = 1.0;
  bool training_ = false;
  bool attached_ = false;
  bool lycoris_layout_ = false;
};

}  // namespace reel
