#include "sample/unipc_scheduler.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/flow_shift.h"
#include "sample/sigma_grid.h"

namespace reel {
namespace {

constexpr double kTrainTimesteps = 1000.0;
// The first sigma of Wan's 1000-entry training table, 1 - 1/1000, as float32 `.item()` gives it.
constexpr double kWanSigmaMax = static_cast<double>(static_cast<float>(0.999));

std::vector<double> unipc_sigmas(UniPcGrid grid, int64_t num_steps, double shift) {
  std::vector<double> sigmas = grid == UniPcGrid::kDiffusers
                                   ? linspace(1.0, 1.0 / kTrainTimesteps, num_steps + 1)
                                   : linspace(kWanSigmaMax, 0.0, num_steps + 1);
  sigmas.pop_back();
  for (double& s : sigmas) s = shift_sigma(s, shift);
  // diffusers keeps sigma 1 (alpha 0, log(alpha) = -inf) out of the solver.
  if (grid == UniPcGrid::kDiffusers && std::abs(sigmas[0] - 1.0) < 1e-6) sigmas[0] -= 1e-6;
  return sigmas;
}

// The solver's step-size terms for h_hat = -h (predicting x0): phi_1 = expm1(h_hat) and
// b_k of the UniC system, with B(h) = expm1(h_hat) ("bh2").
struct Phi {
  float phi_1, b_h;
  std::vector<float> b;
};

Phi phi_terms(float h, int order) {
  const float hh = -h;
  Phi p;
  p.phi_1 = std::expm1(hh);
  p.b_h = std::expm1(hh);
  float h_phi_k = p.phi_1 / hh - 1.0f;
  float factorial = 1.0f;
  for (int k = 1; k <= order; ++k) {
    p.b.push_back(h_phi_k * factorial / p.b_h);
    factorial *= static_cast<float>(k + 1);
    h_phi_k = h_phi_k / hh - 1.0f / factorial;
  }
  return p;
}

}  // namespace

UniPcScheduler::UniPcScheduler(UniPcGrid grid, int64_t num_steps, double shift)
    : FlowScheduler(truncated_timesteps(unipc_sigmas(grid, num_steps, shift), kTrainTimesteps),
                    sigmas_with_final_zero(unipc_sigmas(grid, num_steps, shift))),
      grid_(grid) {}

std::string UniPcScheduler::name() const {
  return grid_ == UniPcGrid::kDiffusers ? "unipc" : "unipc-wan";
}

float UniPcScheduler::lambda(int64_t index) const {
  const float sigma = sigmas().data_ptr<float>()[index];
  return std::log(1.0f - sigma) - std::log(sigma);
}

// UniP: x at sigmas[i + 1] from `sample` at sigmas[i], x0_ = {x0 at i-1, x0 at i}.
at::Tensor UniPcScheduler::predict(const at::Tensor& sample, int64_t i, int order) const {
  const float* s = sigmas().data_ptr<float>();
  const float sigma_t = s[i + 1], sigma_s0 = s[i], alpha_t = 1.0f - sigma_t;
  const float h = lambda(i + 1) - lambda(i);
  const Phi p = phi_terms(h, order);
  const at::Tensor& m0 = x0_[1];
  at::Tensor x = sample * (sigma_t / sigma_s0) - m0 * (alpha_t * p.phi_1);
  if (order == 2) {
    const float rk = (lambda(i - 1) - lambda(i)) / h;
    const at::Tensor d1 = (x0_[0] - m0) / rk;
    // With two points the predictor's coefficient is 1/2 rather than a solved one.
    x = x - (alpha_t * p.b_h) * (0.5f * d1);
  }
  return x;
}

// UniC: the previous prediction (from last_sample_ at sigmas[i - 1]) improved with the x0
// just predicted at sigmas[i]; x0_ still holds {x0 at i-2, x0 at i-1}.
at::Tensor UniPcScheduler::correct(const at::Tensor& x0_now, int64_t i, int order) const {
  const float* s = sigmas().data_ptr<float>();
  const float sigma_t = s[i], sigma_s0 = s[i - 1], alpha_t = 1.0f - sigma_t;
  const float h = lambda(i) - lambda(i - 1);
  const Phi p = phi_terms(h, order);
  const at::Tensor& m0 = x0_[1];
  const at::Tensor x = last_sample_ * (sigma_t / sigma_s0) - m0 * (alpha_t * p.phi_1);
  const at::Tensor d1_t = x0_now - m0;
  if (order == 1) return x - (alpha_t * p.b_h) * (0.5f * d1_t);
  // Solve [[1, 1], [rk, 1]] rho = b.
  const float rk = (lambda(i - 2) - lambda(i - 1)) / h;
  const double rho0 = (static_cast<double>(p.b[0]) - p.b[1]) / (1.0 - rk);
  const double rho1 = p.b[0] - rho0;
  const at::Tensor d1 = (x0_[0] - m0) / rk;
  return x - (alpha_t * p.b_h) * (static_cast<float>(rho0) * d1 + static_cast<float>(rho1) * d1_t);
}

at::Tensor UniPcScheduler::step(const at::Tensor& model_output, int64_t step_index,
                                const at::Tensor& sample) {
  const int64_t i = check_step(step_index);
  const float sigma = sigmas().data_ptr<float>()[i];
  at::Tensor x = sample.to(at::kFloat);
  const at::Tensor x0 = x - sigma * model_output.to(at::kFloat);
  if (i == 0) {
    x0_ = {};
    last_sample_ = at::Tensor();
    previous_order_ = 0;
  } else {
    x = correct(x0, i, previous_order_);
  }
  x0_ = {x0_[1], x0};
  // First order at the first step (no history) and at the last one (lower_order_final).
  const int order = static_cast<int>(std::min<int64_t>({2, num_steps() - i, i + 1}));
  last_sample_ = x;
  previous_order_ = order;
  return predict(x, i, order);
}

}  // namespace reel
