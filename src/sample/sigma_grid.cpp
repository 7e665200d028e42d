#include "sample/sigma_grid.h"

#include <ATen/ATen.h>

namespace reel {

std::vector<double> linspace(double start, double stop, int64_t num) {
  std::vector<double> out(static_cast<size_t>(num));
  if (num == 1) {
    out[0] = start;
    return out;
  }
  const double step = (stop - start) / static_cast<double>(num - 1);
  for (int64_t i = 0; i < num; ++i) out[i] = static_cast<double>(i) * step + start;
  out.back() = stop;
  return out;
}

at::Tensor sigmas_with_final_zero(const std::vector<double>& values) {
  at::Tensor out = at::zeros({static_cast<int64_t>(values.size()) + 1}, at::kFloat);
  float* p = out.data_ptr<float>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<float>(values[i]);
  return out;
}

at::Tensor truncated_timesteps(const std::vector<double>& sigmas, double num_train_timesteps) {
  at::Tensor out = at::empty({static_cast<int64_t>(sigmas.size())}, at::kLong);
  int64_t* p = out.data_ptr<int64_t>();
  for (size_t i = 0; i < sigmas.size(); ++i) {
    p[i] = static_cast<int64_t>(sigmas[i] * num_train_timesteps);
  }
  return out;
}

}  // namespace reel
