#include "sample/dpm_solver_scheduler.h"

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "core/flow_shift.h"
#include "sample/sigma_grid.h"

namespace reel {
namespace {

constexpr double kTrainTimesteps = 1000.0;

// Wan2.1's get_sampling_sigmas: the shifted grid handed to the scheduler, which keeps it.
std::vector<double> dpm_sigmas(int64_t num_steps, double shift) {
  std::vector<double> sigmas = linspace(1.0, 0.0, num_steps + 1);
  sigmas.pop_back();
  for (double& s : sigmas) s = shift_sigma(s, shift);
  return sigmas;
}

// log(alpha) - log(sigma); -inf at sigma 1 and +inf at sigma 0, which the update formulas
// turn into the right limits (exp(-h) = 0, 1/r0 = 0).
float lambda(float sigma) {
  return std::log(1.0f - sigma) - std::log(sigma);
}

}  // namespace

DpmSolverScheduler::DpmSolverScheduler(int64_t num_steps, double shift)
    : FlowScheduler(truncated_timesteps(dpm_sigmas(num_steps, shift), kTrainTimesteps),
                    sigmas_with_final_zero(dpm_sigmas(num_steps, shift))) {}

at::Tensor DpmSolverScheduler::step(const at::Tensor& model_output, int64_t step_index,
                                    const at::Tensor& sample) {
  const int64_t i = check_step(step_index);
  const float* s = sigmas().data_ptr<float>();
  const at::Tensor x = sample.to(at::kFloat);
  const at::Tensor m0 = x - s[i] * model_output.to(at::kFloat);
  const float sigma_t = s[i + 1], sigma_s0 = s[i], alpha_t = 1.0f - sigma_t;
  const float h = lambda(sigma_t) - lambda(sigma_s0);
  const float a = alpha_t * (std::exp(-h) - 1.0f);
  at::Tensor out = x * (sigma_t / sigma_s0) - a * m0;
  const bool first_order = i == 0 || i == num_steps() - 1;
  if (!first_order) {
    const float r0 = (lambda(sigma_s0) - lambda(s[i - 1])) / h;
    const at::Tensor d1 = (1.0f / r0) * (m0 - previous_x0_);
    out = out - (0.5f * a) * d1;
  }
  previous_x0_ = m0;
  return out;
}

}  // namespace reel
