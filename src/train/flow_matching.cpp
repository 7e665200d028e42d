#include "train/flow_matching.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "core/shape_text.h"
#include "core/beta_distribution.h"

namespace reel {
namespace {

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void check_config(const FlowMatchingConfig& c) {
  if (c.sampler == FlowSampler::kLogitNormal && !(c.sigmoid_scale > 0.0)) {
    throw Error("flow_sigmoid_scale " + number(c.sigmoid_scale) + " is not positive")
        .key("flow_sigmoid_scale")
        .hint("the logit-normal sampler needs a scale > 0 (default 1.0)");
  }
  if (c.sampler == FlowSampler::kBeta && (!(c.beta_alpha > 0.0) || !(c.beta_beta > 0.0))) {
    throw Error("Beta(" + number(c.beta_alpha) + ", " + number(c.beta_beta) +
                ") is not a distribution: both parameters must be > 0")
        .key(c.beta_alpha > 0.0 ? "flow_beta_schedule_beta" : "flow_beta_schedule_alpha");
  }
  if (c.sampler == FlowSampler::kCustom) {
    if (c.custom_timesteps.empty()) {
      throw Error("the custom timestep sampler has no timesteps")
          .key("flow_custom_timesteps")
          .hint("give a list of sigmas (<= 1) or timesteps (<= 1000)");
    }
    for (double t : c.custom_timesteps) {
      if (!std::isfinite(t)) {
        throw Error("timestep " + number(t) + " is not a number").key("flow_custom_timesteps");
      }
    }
  }
  if (c.shift <= 0.0 && c.auto_shift && (c.max_seq_len <= c.base_seq_len || c.patch_size <= 0)) {
    throw Error("auto shift needs max_image_seq_len > base_image_seq_len and patch_size > 0, got " +
                std::to_string(c.base_seq_len) + ", " + std::to_string(c.max_seq_len) + ", " +
                std::to_string(c.patch_size))
        .key("flow_schedule_auto_shift");
  }
  if (c.sigma_range) {
    const SigmaRange& r = *c.sigma_range;
    if (!(r.lo >= 0.0 && r.lo < r.hi && r.hi <= 1.0)) {
      throw Error("sigma range [" + number(r.lo) + ", " + number(r.hi) +
                  ") is not a non-empty part of [0, 1]")
          .key("wan_boundary_ratio");
    }
  }
}

// The standard normal CDF.
double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

// The sampler's CDF of u, for a sample with logit-normal offset `offset`.
double u_cdf(const FlowMatchingConfig& c, double offset, double u) {
  if (u <= 0.0) return 0.0;
  if (u >= 1.0) return 1.0;
  switch (c.sampler) {
    case FlowSampler::kLogitNormal:
      return normal_cdf((std::log(u) - std::log1p(-u)) / c.sigmoid_scale - offset);
    case FlowSampler::kBeta:
      return beta_cdf(c.beta_alpha, c.beta_beta, u);
    default:
      return u;
  }
}

// The inverse of u_cdf for every sample at once: p[i] -> u[i].
std::vector<double> u_quantiles(const FlowMatchingConfig& c, const std::vector<double>& offsets,
                                const std::vector<double>& p) {
  std::vector<double> u(p.size());
  switch (c.sampler) {
    case FlowSampler::kLogitNormal: {
      const at::Tensor pt = at::tensor(p, at::kDouble);
      const at::Tensor z = std::sqrt(2.0) * at::erfinv(2.0 * pt - 1.0);
      const at::Tensor ut = logit_normal(z + at::tensor(offsets, at::kDouble), c.sigmoid_scale);
      const double* d = ut.const_data_ptr<double>();
      std::copy(d, d + u.size(), u.begin());
      break;
    }
    case FlowSampler::kBeta:
      for (size_t i = 0; i < p.size(); ++i) u[i] = beta_quantile(c.beta_alpha, c.beta_beta, p[i]);
      break;
    default:
      u = p;
  }
  return u;
}

at::Tensor custom_sigmas(const FlowMatchingConfig& c, int64_t batch, at::Generator& generator) {
  const std::vector<double>& list = c.custom_timesteps;
  const bool are_sigmas = *std::max_element(list.begin(), list.end()) <= 1.0;
  std::vector<float> sigmas;
  for (double t : list) {
    const double sigma = are_sigmas ? t : std::clamp(t, 0.0, 1000.0) / 1000.0;
    sigmas.push_back(static_cast<float>(std::clamp(sigma, 0.0, 1.0)));
  }
  const at::Tensor index =
      at::randint(static_cast<int64_t>(sigmas.size()), {batch}, generator, at::kLong);
  return at::tensor(sigmas, at::kFloat).index_select(0, index);
}

// The float32 value of `sigma` that lies in [lo, hi) when read back as a double.
float in_range_float(double sigma, const SigmaRange& r) {
  float f = static_cast<float>(std::clamp(sigma, r.lo, r.hi));
  while (f >= r.hi) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  while (f < r.lo) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

}  // namespace

std::optional<SigmaRange> expert_sigma_range(const std::string& stage, double boundary) {
  if (stage.empty()) return std::nullopt;
  if (!(boundary > 0.0 && boundary < 1.0)) {
    throw Error("boundary " + number(boundary) + " is outside (0, 1)")
        .key("wan_boundary_ratio")
        .hint("the Wan 2.2 boundary is a sigma, e.g. 0.9 (I2V A14B) or 0.875 (T2V A14B)");
  }
  if (stage == "high") return SigmaRange{boundary, 1.0};
  if (stage == "low") return SigmaRange{0.0, boundary};
  throw Error("unknown Wan expert stage '" + stage + "'").hint("expected \"high\" or \"low\"");
}

LatentSize latent_size_of(c10::IntArrayRef shape) {
  if (shape.size() == 5) return {shape[2], shape[3], shape[4]};
  if (shape.size() == 4) return {1, shape[2], shape[3]};
  throw Error("expected latents [B, C, T, h, w] or [B, C, h, w], got " +
              std::to_string(shape.size()) + " dims");
}

at::Tensor shift_sigmas(const at::Tensor& u, double s) {
  const at::Tensor d = u.to(at::kDouble);
  return (s * d / (1.0 + (s - 1.0) * d)).to(u.scalar_type());
}

int64_t auto_shift_seq_len(const LatentSize& size, const FlowMatchingConfig& c) {
  const int64_t p = c.patch_size > 0 ? c.patch_size : 2;
  return size.frames * (size.height / p) * (size.width / p);
}

double auto_shift(const LatentSize& size, const FlowMatchingConfig& c) {
  const double m =
      (c.max_shift - c.base_shift) / static_cast<double>(c.max_seq_len - c.base_seq_len);
  const double b = c.base_shift - m * static_cast<double>(c.base_seq_len);
  const double mu = m * static_cast<double>(auto_shift_seq_len(size, c)) + b;
  return std::exp(mu);
}

double resolved_shift(const LatentSize& size, const FlowMatchingConfig& c) {
  if (c.shift > 0.0) return c.shift;
  if (c.auto_shift) return auto_shift(size, c);
  return 1.0;
}

std::optional<std::string> auto_shift_warning(const FlowMatchingConfig& c,
                                              const std::vector<LatentSize>& buckets) {
  if (c.shift > 0.0 || !c.auto_shift || buckets.empty()) return std::nullopt;
  const LatentSize* largest = &buckets.front();
  for (const LatentSize& b : buckets) {
    if (auto_shift_seq_len(b, c) > auto_shift_seq_len(*largest, c)) largest = &b;
  }
  const int64_t seq = auto_shift_seq_len(*largest, c);
  if (seq <= c.max_seq_len) return std::nullopt;
  std::ostringstream s;
  s.precision(4);
  s << "flow_schedule_auto_shift: the largest bucket (latents " << largest->frames << "x"
    << largest->height << "x" << largest->width << ", seq " << seq << ") is past max_seq_len "
    << c.max_seq_len << ", so its shift is extrapolated to " << auto_shift(*largest, c)
    << " (as SimpleTuner does); set flow_schedule_shift for a fixed shift";
  return s.str();
}

at::Tensor logit_normal(const at::Tensor& z, double scale) {
  return at::sigmoid(scale * z);
}

at::Tensor sample_sigmas(const FlowMatchingConfig& c, c10::IntArrayRef latent_shape,
                         const std::vector<double>& offsets, at::Generator& generator) {
  check_config(c);
  const LatentSize size = latent_size_of(latent_shape);
  const int64_t batch = latent_shape[0];
  if (!offsets.empty() && static_cast<int64_t>(offsets.size()) != batch) {
    throw Error("got " + std::to_string(offsets.size()) + " timestep_sampling_offset values for " +
                std::to_string(batch) + " samples");
  }
  if (c.sampler == FlowSampler::kCustom) return custom_sigmas(c, batch, generator);

  const double s = resolved_shift(size, c);
  const std::vector<double> offset =
      offsets.empty() ? std::vector<double>(static_cast<size_t>(batch), 0.0) : offsets;
  double u_lo = 0.0, u_hi = 1.0;
  if (c.sigma_range) {
    u_lo = unshift_sigma(c.sigma_range->lo, s);
    u_hi = unshift_sigma(c.sigma_range->hi, s);
  }

  const at::Tensor v = at::rand({batch}, generator, at::kDouble);
  const double* draw = v.const_data_ptr<double>();
  std::vector<double> p(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) {
    const double c_lo = u_cdf(c, offset[i], u_lo), c_hi = u_cdf(c, offset[i], u_hi);
    if (c.sigma_range && !(c_hi - c_lo > 1e-12)) {
      throw Error("the sampler puts no weight on the sigma range [" + number(c.sigma_range->lo) +
                  ", " + number(c.sigma_range->hi) + ") (shift " + number(s) + ")")
          .key("wan_expert_timestep_restrict")
          .hint(
              "check timestep_sampling_offset and flow_sigmoid_scale, or train on the full range");
    }
    p[i] = c_lo + draw[i] * (c_hi - c_lo);
  }
  const std::vector<double> u = u_quantiles(c, offset, p);

  std::vector<float> sigmas(u.size());
  for (size_t i = 0; i < u.size(); ++i) {
    const double sigma = shift_sigma(std::clamp(u[i], u_lo, u_hi), s);
    sigmas[i] = c.sigma_range ? in_range_float(sigma, *c.sigma_range) : static_cast<float>(sigma);
  }
  return at::tensor(sigmas, at::kFloat);
}

FlowInputs flow_inputs(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& sigmas,
                       const at::Tensor& input_noise) {
  if (!x0.sizes().equals(noise.sizes()) ||
      (input_noise.defined() && !x0.sizes().equals(input_noise.sizes()))) {
    throw Error("flow_inputs: latents " + shape_text(x0.sizes()) + ", noise " +
                shape_text(noise.sizes()) +
                (input_noise.defined() ? ", input noise " + shape_text(input_noise.sizes()) : "") +
                " differ");
  }
  if (x0.dim() < 1 || sigmas.numel() != x0.size(0)) {
    throw Error("flow_inputs: " + std::to_string(sigmas.numel()) + " sigmas for a batch of " +
                std::to_string(x0.dim() ? x0.size(0) : 0));
  }
  std::vector<int64_t> view(static_cast<size_t>(x0.dim()), 1);
  view[0] = x0.size(0);
  const at::Tensor sigma = sigmas.reshape(view).to(x0.device(), x0.scalar_type());
  const at::Tensor& fed = input_noise.defined() ? input_noise : noise;
  FlowInputs in;
  in.noisy = (1.0 - sigma) * x0 + sigma * fed;
  in.target = noise - x0;
  in.timesteps = sigmas.reshape({-1}).to(x0.device(), at::kFloat) * 1000.0;
  return in;
}

double input_perturbation_scale(double perturbation, int64_t perturbation_steps,
                                int64_t global_step) {
  if (perturbation == 0.0) return 0.0;
  if (perturbation_steps <= 0) return perturbation;
  if (global_step >= perturbation_steps) return 0.0;
  return perturbation *
         (1.0 - static_cast<double>(global_step) / static_cast<double>(perturbation_steps));
}

}  // namespace reel
