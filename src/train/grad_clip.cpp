#include "train/grad_clip.h"

#include <ATen/ATen.h>

#include <limits>

#include "core/error.h"

namespace reel {
namespace {

at::ScalarType norm_dtype(const at::Tensor& g) {
  return g.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
}

// max |g| over every gradient, -inf when there are none; one device sync in all.
double abs_max(const std::vector<at::Tensor>& grads) {
  std::vector<at::Tensor> maxes;
  for (const at::Tensor& g : grads) {
    if (g.numel() > 0) maxes.push_back(g.abs().max().to(grads.front().device(), at::kDouble));
  }
  if (maxes.empty()) return -std::numeric_limits<double>::infinity();
  return at::stack(maxes).max().item<double>();
}

// The L2 norm of the per-tensor L2 norms, as torch's clip_grad_norm_ computes it.
at::Tensor global_norm(const std::vector<at::Tensor>& grads) {
  std::vector<at::Tensor> norms;
  norms.reserve(grads.size());
  const at::Device device = grads.front().device();
  for (const at::Tensor& g : grads) {
    norms.push_back(at::linalg_vector_norm(g, 2, std::nullopt, false, norm_dtype(g)).to(device));
  }
  const at::Tensor all = at::stack(norms);
  return at::linalg_vector_norm(all, 2, std::nullopt, false, all.scalar_type());
}

}  // namespace

GradClipMethod parse_grad_clip_method(const std::string& name) {
  if (name == "value") return GradClipMethod::kValue;
  if (name == "norm") return GradClipMethod::kNorm;
  throw Error("unknown gradient clipping method '" + name + "'")
      .key("grad_clip_method")
      .hint("valid: value, norm");
}

GradClip clip_gradients(const std::vector<at::Tensor>& params, double max_grad_norm,
                        GradClipMethod method) {
  std::vector<at::Tensor> grads;
  for (const at::Tensor& p : params) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  GradClip out;
  out.log_key = method == GradClipMethod::kValue ? "grad_absmax" : "grad_norm";
  out.clipped = max_grad_norm > 0.0 && !grads.empty();
  if (method == GradClipMethod::kValue || !out.clipped) {
    out.metric = abs_max(grads);
    if (out.clipped) {
      for (at::Tensor& g : grads) g.clamp_(-max_grad_norm, max_grad_norm);
    }
    return out;
  }
  const at::Tensor norm = global_norm(grads);
  out.metric = norm.to(at::kDouble).item<double>();
  // Multiplying by 1 when under the limit changes nothing, so only scale when it bites.
  const at::Tensor coef = at::clamp_max(max_grad_norm / (norm + 1e-6), 1.0);
  if (coef.item<double>() < 1.0) {
    for (at::Tensor& g : grads) g.mul_(coef.to(g.device()));
  }
  return out;
}

}  // namespace reel
