// Rotary position embedding (RoPE) in 3-D, as Wan uses it for self-attention.
//
// Each head's channels are rotated in adjacent pairs (2j, 2j+1) ("interleaved", not split in
// halves). The c = head_dim/2 pairs are shared out between the frame, height and width axes:
// t gets c - 2·(c/3) pairs, h and w c/3 each (head_dim 128: 22/21/21 pairs, i.e. 44/42/42
// channels). Pair j of an axis with `axis_dim` channels turns by
//   angle = position · theta^(-2j / axis_dim),  theta = 10000,
// with positions the patch-grid indices (f, h, w) from 0. Angles, cos and sin are computed in
// float64 (as both reference codes do) and stored as float32 tables.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>

namespace reel::nn {

struct RotaryTable {
  at::Tensor cos;  // [L, head_dim/2] float32, L = frames·height·width in (f, h, w) order
  at::Tensor sin;
};

// The table for a grid of `grid` = {frames, height, width} tokens.
RotaryTable rotary_3d(std::array<int64_t, 3> grid, int64_t head_dim, at::Device device,
                      double theta = 10000.0);

// The channel pairs given to the t, h and w axes for `head_dim`.
std::array<int64_t, 3> rotary_axis_pairs(int64_t head_dim);

// Rotates x [..., L, head_dim] (e.g. [B, heads, L, head_dim]); the rotation runs in float32
// and the result has x's dtype.
at::Tensor apply_rotary(const at::Tensor& x, const RotaryTable& table);

}  // namespace reel::nn
