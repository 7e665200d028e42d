// The pieces the flow-matching samplers build their sigma grids from, computed in float64 the
// way numpy does, because the reference schedulers build their grids with numpy and a grid that
// differs in the last bit can move an int64 timestep (int64(sigma * 1000) truncates) by one.
//
//   std::vector<double> s = linspace(1.0, 0.001, 5);   // numpy.linspace(1, 0.001, 5)
//   for (double& v : s) v = shift_sigma(v, 3.0);         // train/flow_matching.h
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace reel {

// numpy.linspace(start, stop, num) with its endpoint: start + i * ((stop - start) / (num - 1)),
// the last value exactly `stop`.
std::vector<double> linspace(double start, double stop, int64_t num);

// `values` as a float32 tensor with a 0 appended: the sigmas of a sampler whose last step
// ends at sigma 0.
at::Tensor sigmas_with_final_zero(const std::vector<double>& values);

// int64(sigma * num_train_timesteps), truncated as numpy's astype does.
at::Tensor truncated_timesteps(const std::vector<double>& sigmas, double num_train_timesteps);

}  // namespace reel
