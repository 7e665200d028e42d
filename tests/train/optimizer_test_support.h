// Small helpers for the optimizer tests: trainable tensors from literal values and gradients
// set by hand.
#pragma once

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <string>
#include <utility>
#include <vector>

#include "train/optimizer.h"

namespace reel::test {

// A leaf tensor that requires grad, holding `values` in `dtype`.
inline at::Tensor trainable(const std::vector<float>& values, at::ScalarType dtype = at::kFloat) {
  return at::tensor(values, at::kFloat).to(dtype).requires_grad_(true);
}

inline void set_grad(const at::Tensor& p, const std::vector<float>& values) {
  p.mutable_grad() = at::tensor(values, at::kFloat).to(p.scalar_type()).view(p.sizes());
}

inline std::vector<double> values_of(const at::Tensor& t) {
  const at::Tensor c = t.detach().to(at::kDouble).contiguous().view({-1});
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

inline at::Tensor state_of(const Optimizer& opt, const std::string& name) {
  for (const auto& [key, t] : opt.state())
    if (key == name) return t;
  return at::Tensor();
}

inline std::vector<std::string> state_names(const Optimizer& opt) {
  std::vector<std::string> names;
  for (const auto& [key, t] : opt.state()) names.push_back(key);
  return names;
}

// Runs a test's ATen ops on one thread. These tensors are far too small to gain from threads,
// and where the machine's cores are busy, OpenMP's waiting threads made ops that parallelise
// small inputs (bucketize) a hundred times slower.
class SingleThreaded {
 public:
  SingleThreaded() : saved_(at::get_num_threads()) { at::set_num_threads(1); }
  ~SingleThreaded() { at::set_num_threads(saved_); }
  SingleThreaded(const SingleThreaded&) = delete;
  SingleThreaded& operator=(const SingleThreaded&) = delete;

 private:
  int saved_;
};

}  // namespace reel::test
