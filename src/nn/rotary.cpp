#include "nn/rotary.h"

#include <ATen/ATen.h>

#include <vector>

namespace reel::nn {

std::array<int64_t, 3> rotary_axis_pairs(int64_t head_dim) {
  TORCH_CHECK(head_dim % 2 == 0, "rotary head_dim must be even, got ", head_dim);
  const int64_t c = head_dim / 2;
  return {c - 2 * (c / 3), c / 3, c / 3};
}

RotaryTable rotary_3d(std::array<int64_t, 3> grid, int64_t head_dim, at::Device device,
                      double theta) {
  const std::array<int64_t, 3> pairs = rotary_axis_pairs(head_dim);
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  const int64_t length = grid[0] * grid[1] * grid[2];
  std::vector<at::Tensor> angles;  // per axis: [F, H, W, pairs] float64
  for (int axis = 0; axis < 3; ++axis) {
    const double axis_dim = static_cast<double>(2 * pairs[axis]);
    // theta^(-2j/axis_dim), j = 0..pairs-1
    const at::Tensor freqs = at::pow(theta, at::arange(pairs[axis], f64).mul(-2.0 / axis_dim));
    const at::Tensor position = at::arange(grid[axis], f64);
    at::Tensor a = at::outer(position, freqs);  // [n_axis, pairs]
    std::vector<int64_t> view = {1, 1, 1, pairs[axis]};
    view[axis] = grid[axis];
    angles.push_back(a.view(view).expand({grid[0], grid[1], grid[2], pairs[axis]}));
  }
  const at::Tensor angle = at::cat(angles, -1).reshape({length, head_dim / 2});
  return {angle.cos().to(at::kFloat).to(device), angle.sin().to(at::kFloat).to(device)};
}

at::Tensor apply_rotary(const at::Tensor& x, const RotaryTable& table) {
  const int64_t d = x.size(-1);
  TORCH_CHECK(table.cos.size(-1) * 2 == d && table.cos.size(0) == x.size(-2), "rotary table [",
              table.cos.size(0), ", ", table.cos.size(-1), "] does not fit a tensor of ",
              x.sizes());
  const at::Tensor pairs = x.to(at::kFloat).unflatten(-1, {d / 2, 2});
  const at::Tensor x0 = pairs.select(-1, 0), x1 = pairs.select(-1, 1);
  const at::Tensor& cos = table.cos;
  const at::Tensor& sin = table.sin;
  const at::Tensor out = at::stack({x0 * cos - x1 * sin, x0 * sin + x1 * cos}, -1).flatten(-2);
  return out.to(x.scalar_type());
}

}  // namespace reel::nn
