// An optimizer: updates a fixed list of named trainable tensors from their gradients, one
// step(lr) per optimizer step, and exposes everything it remembers between steps as named
// tensors so that a checkpoint round trip resumes bit-exactly.
//
//   auto opt = make_optimizer("adamw_bf16", trainable, settings);  // optimizer_factory.h
//   loss.backward();
//   opt->step(lr);
//   opt->zero_grad();
//   write_safetensors(dir / "optimizer.safetensors", opt->state());
//   ...
//   opt->load_state(tensors_read_back);                              // on resume
//
// State names: "step" (the number of step() calls), "<param name>/<key>" for each state
// tensor of a parameter (exp_avg, exp_avg_sq, ...), and "rng_state" for an optimizer that
// draws random numbers (stochastic rounding). Every state tensor exists from construction
// (zeros, on its parameter's device), so state() and load_state() always see the same names,
// whether or not a step ran.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reel {

class Optimizer {
 public:
  using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // The optimizer's name as config.json spells it ("adamw_bf16", "optimi-lion", ...).
  const std::string& name() const { return name_; }
  const NamedTensors& params() const { return params_; }
  int64_t steps() const { return steps_; }

  // One update of every parameter that has a gradient (the others are skipped and their state
  // is left as it is), with learning rate `lr`, under at::NoGradGuard. Throws reel::Error for
  // a negative or non-finite lr.
  void step(double lr);
  // Drops every gradient (torch's zero_grad(set_to_none=True)).
  void zero_grad();

  // All state, named as above. The parameter state tensors are the live ones, not copies:
  // write or copy them before the next step().
  NamedTensors state() const;
  // Replaces all state with `state` (from state(), on any device). Nothing is changed unless
  // every name is present with the right shape and dtype and no name is unknown; otherwise
  // throws reel::Error naming the first mismatch.
  void load_state(const NamedTensors& state);

 protected:
  // `params`: defined floating-point leaf tensors with requires_grad and distinct names.
  Optimizer(std::string name, NamedTensors params);

  // Updates params()[index] from `grad` with learning rate `lr`. steps() already counts this
  // step. Called under at::NoGradGuard.
  virtual void update(size_t index, const at::Tensor& param, const at::Tensor& grad, double lr) = 0;

  // Registers a state tensor of params()[index], saved as "<param name>/<key>", and returns
  // it. Subclasses keep the returned handle and change the tensor only in place, so that
  // load_state() reaches it.
  at::Tensor add_state(size_t index, const std::string& key, at::Tensor initial);
  // Registers the generator whose state is saved as "rng_state".
  void add_generator_state(at::Generator generator);

 private:
  struct Slot {
    std::string name;
    at::Tensor tensor;
  };

  std::string name_;
  NamedTensors params_;
  int64_t steps_ = 0;
  std::vector<Slot> slots_;
  mutable at::Generator generator_;  // undefined unless registered; mutable for its mutex
};

}  // namespace reel
