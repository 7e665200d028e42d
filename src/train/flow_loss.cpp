#include "train/flow_loss.h"

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/shape_text.h"

namespace reel {

LossType parse_loss_type(const std::string& name) {
  if (name == "l2") return LossType::kL2;
  if (name == "huber") return LossType::kHuber;
  if (name == "smooth_l1") return LossType::kSmoothL1;
  throw Error("unknown loss type '" + name + "'")
      .key("loss_type")
      .hint("valid: l2, huber, smooth_l1");
}

HuberSchedule parse_huber_schedule(const std::string& name) {
  if (name == "snr") return HuberSchedule::kSnr;
  if (name == "exponential") return HuberSchedule::kExponential;
  if (name == "constant") return HuberSchedule::kConstant;
  throw Error("unknown Huber schedule '" + name + "'")
      .key("huber_schedule")
      .hint("valid: snr, exponential, constant");
}

at::Tensor huber_c_per_sample(const at::Tensor& timesteps, const LossConfig& config) {
  const at::Tensor t = timesteps.reshape({-1}).to(at::kDouble);
  const double c = config.huber_c;
  switch (config.huber_schedule) {
    case HuberSchedule::kConstant:
      return at::full_like(t, c);
    case HuberSchedule::kExponential:
      // ST: alpha = -ln(c) / num_train_timesteps, c_t = exp(-alpha * t).
      return at::exp((std::log(c) / 1000.0) * t);
    case HuberSchedule::kSnr: {
      const at::Tensor sigma = t / 1000.0;
      const at::Tensor s = at::sqrt((1.0 - sigma) / (sigma + 1e-4));
      return (1.0 - c) / (1.0 + s).pow(2) + c;
    }
  }
  return at::full_like(t, c);
}

FlowLoss flow_loss(const at::Tensor& pred, const at::Tensor& target, const at::Tensor& timesteps,
                   const LossConfig& config) {
  if (!pred.sizes().equals(target.sizes()) || pred.dim() < 1) {
    throw Error("the prediction " + shape_text(pred.sizes()) + " and the target " +
                shape_text(target.sizes()) + " differ in shape");
  }
  const at::ScalarType dtype =
      pred.scalar_type() == at::kDouble || target.scalar_type() == at::kDouble ? at::kDouble
                                                                               : at::kFloat;
  const at::Tensor diff = pred.to(dtype) - target.to(dtype);
  at::Tensor elementwise;
  if (config.type == LossType::kL2) {
    elementwise = diff.pow(2);
  } else {
    const int64_t batch = pred.size(0);
    if (timesteps.numel() != batch) {
      throw Error(std::to_string(timesteps.numel()) + " timesteps for a batch of " +
                  std::to_string(batch));
    }
    std::vector<int64_t> view(static_cast<size_t>(pred.dim()), 1);
    view[0] = batch;
    const at::Tensor c =
        huber_c_per_sample(timesteps, config).to(diff.device(), dtype).reshape(view);
    const at::Tensor scale = config.type == LossType::kHuber ? 2.0 * c : at::full_like(c, 2.0);
    elementwise = scale * (at::sqrt(diff.pow(2) + c.pow(2)) - c);
  }
  std::vector<int64_t> dims;
  for (int64_t d = 1; d < pred.dim(); ++d) dims.push_back(d);
  const at::Tensor per_sample = dims.empty() ? elementwise : elementwise.mean(dims);
  return {per_sample.mean(), per_sample.detach()};
}

}  // namespace reel
