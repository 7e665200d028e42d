#include "sample/euler_scheduler.h"

#include <ATen/ATen.h>

#include <utility>

#include "core/beta_distribution.h"
#include "core/flow_shift.h"
#include "sample/sigma_grid.h"

namespace reel {
namespace {

constexpr double kTrainTimesteps = 1000.0;

// The smallest sigma of diffusers' 1000-entry training table: 1/1000 shifted in float32, as
// the scheduler's constructor does with torch before taking `.item()`.
double table_sigma_min(double shift) {
  const float s = static_cast<float>(shift);
  const float sigma = static_cast<float>(1.0 / kTrainTimesteps);
  return static_cast<double>(s * sigma / (1.0f + (s - 1.0f) * sigma));
}

std::vector<double> unshifted_sigmas(EulerGrid grid, int64_t num_steps, double shift) {
  const double sigma_min =
      grid == EulerGrid::kSimpleTunerBounds ? 1.0 / kTrainTimesteps : table_sigma_min(shift);
  std::vector<double> sigmas = linspace(kTrainTimesteps, sigma_min * kTrainTimesteps, num_steps);
  for (double& s : sigmas) s /= kTrainTimesteps;
  return sigmas;
}

// diffusers' _convert_to_beta: the range of the shifted grid, spaced by Beta(0.6, 0.6)'s
// quantiles of 1 - linspace(0, 1, N).
std::vector<double> beta_spaced(const std::vector<double>& shifted) {
  const double sigma_min = shifted.back(), sigma_max = shifted.front();
  const std::vector<double> p = linspace(0.0, 1.0, static_cast<int64_t>(shifted.size()));
  std::vector<double> out;
  out.reserve(p.size());
  for (double v : p)
    out.push_back(sigma_min + beta_quantile(0.6, 0.6, 1.0 - v) * (sigma_max - sigma_min));
  return out;
}

std::pair<at::Tensor, at::Tensor> euler_grid(EulerGrid grid, int64_t num_steps, double shift) {
  std::vector<double> sigmas = unshifted_sigmas(grid, num_steps, shift);
  for (double& s : sigmas) s = shift_sigma(s, shift);
  if (grid == EulerGrid::kBeta) sigmas = beta_spaced(sigmas);
  at::Tensor with_zero = sigmas_with_final_zero(sigmas);
  at::Tensor timesteps = with_zero.narrow(0, 0, num_steps) * kTrainTimesteps;
  return {timesteps, with_zero};
}

}  // namespace

EulerScheduler::EulerScheduler(EulerGrid grid, int64_t num_steps, double shift)
    : FlowScheduler(euler_grid(grid, num_steps, shift).first,
                    euler_grid(grid, num_steps, shift).second),
      grid_(grid) {}

std::string EulerScheduler::name() const {
  switch (grid_) {
    case EulerGrid::kDiffusers:
      return "euler";
    case EulerGrid::kSimpleTunerBounds:
      return "euler-st";
    case EulerGrid::kBeta:
      return "euler-betas";
  }
  return "euler";
}

at::Tensor EulerScheduler::step(const at::Tensor& model_output, int64_t step_index,
                                const at::Tensor& sample) {
  const int64_t i = check_step(step_index);
  const float* s = sigmas().data_ptr<float>();
  const float dt = s[i + 1] - s[i];
  return sample.to(at::kFloat) + dt * model_output.to(at::kFloat);
}

}  // namespace reel
