// The training loss between the transformer's prediction and the flow-matching target v
// (spec training.md §6, ST's ModelFoundation.loss), computed in float32 (float64 when an input is
// float64):
//
//   l2 (default)  e = (pred - v)^2
//   huber         e = 2c * (sqrt((pred - v)^2 + c^2) - c)
//   smooth_l1     e = 2  * (sqrt((pred - v)^2 + c^2) - c)
//   loss_i = mean of e over every element of sample i;  loss = mean_i loss_i.
//
// c is huber_c per huber_schedule (ST's default is snr), from the sample's timestep t:
//   constant     c = huber_c
//   exponential  c = exp(ln(huber_c) * t / 1000)
//   snr          c = (1 - huber_c) / (1 + s)^2 + huber_c, s = sqrt((1 - t/1000) / (t/1000 + 1e-4))
// so with snr the loss is nearly L2-like (large c) near clean samples and L1-like near noise.
// Flow matching gets no SNR weighting (snr_gamma is ignored, as in ST).
//
//   FlowLoss loss = flow_loss(pred, in.target, in.timesteps, loss_config);
//   (loss.loss / grad_accum).backward();
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace reel {

enum class LossType { kL2, kHuber, kSmoothL1 };
enum class HuberSchedule { kSnr, kExponential, kConstant };

// loss_type: "l2", "huber", "smooth_l1"; huber_schedule: "snr", "exponential", "constant".
// Anything else throws reel::Error listing the valid names.
LossType parse_loss_type(const std::string& name);
HuberSchedule parse_huber_schedule(const std::string& name);

struct LossConfig {
  LossType type = LossType::kL2;
  double huber_c = 0.1;
  HuberSchedule huber_schedule = HuberSchedule::kSnr;
};

struct FlowLoss {
  at::Tensor loss;        // scalar, differentiable: mean of per_sample
  at::Tensor per_sample;  // [B], detached, for logging
};

// pred and target [B, ...] of one shape (any float dtype); timesteps [B] (1000*sigma) are
// only read by huber and smooth_l1.
FlowLoss flow_loss(const at::Tensor& pred, const at::Tensor& target, const at::Tensor& timesteps,
                   const LossConfig& config);

// The per-sample c of huber and smooth_l1 for timesteps [B] (float64, on timesteps' device).
at::Tensor huber_c_per_sample(const at::Tensor& timesteps, const LossConfig& config);

}  // namespace reel
