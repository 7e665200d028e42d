// Flow matching for Wan training (spec training.md §2, §5): per sample a noise level sigma in
// [0, 1], the noisy latent on the straight line from the clean latent to the noise, and the
// velocity the transformer learns to predict.
//
//   1. draw u in [0, 1) from the sampler (logit-normal by default);
//   2. shift it towards noise: sigma = s*u / (1 + (s-1)*u), s the static or auto shift;
//   3. x_t = (1 - sigma)*x0 + sigma*noise, target v = noise - x0, timestep = 1000*sigma.
//
//   at::Tensor noise = at::randn(x0.sizes(), gen, x0.options());
//   at::Tensor sigmas = sample_sigmas(flow, x0.sizes(), offsets, gen);
//   FlowInputs in = flow_inputs(x0, noise, sigmas);
//   at::Tensor pred = transformer(in.noisy, in.timesteps, ...);   // then flow_loss(pred,
//   in.target)
//
// Wan 2.2 experts: each expert trains on its own sigma range by default (spec §5). The range
// is applied to the sampler's draw, not by clamping sigma: u is drawn from the sampler's
// distribution *conditioned on* landing in [u_lo, u_hi), where shift(u_lo) = lo and
// shift(u_hi) = hi. Inside the range the density keeps the shape the full-range sampler has
// there (the relative weight of every sigma the expert sees is what ST's full-range training
// gives it), and each sample still costs exactly one uniform draw: p is drawn uniformly between
// CDF(u_lo) and CDF(u_hi) and mapped back through the sampler's inverse CDF. For the uniform
// sampler that is u = u_lo + p*(u_hi - u_lo).
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/util/ArrayRef.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/flow_shift.h"

namespace reel {

// How u is drawn. ST's precedence when several options are set: flow_custom_timesteps, then
// logit-normal unless flow_use_uniform_schedule or flow_use_beta_schedule, then uniform, then
// beta.
enum class FlowSampler {
  kLogitNormal,  // u = sigmoid(flow_sigmoid_scale * (z + offset)), z ~ N(0, 1)
  kUniform,      // flow_use_uniform_schedule: u ~ U(0, 1)
  kBeta,         // flow_use_beta_schedule: u ~ Beta(alpha, beta)
  kCustom,       // flow_custom_timesteps: sigma picked uniformly from a fixed list
};

// Sigmas in [lo, hi). Wan 2.2: the high-noise expert trains on [boundary, 1), the low-noise
// one on [0, boundary).
struct SigmaRange {
  double lo = 0.0;
  double hi = 1.0;
};

struct FlowMatchingConfig {
  FlowSampler sampler = FlowSampler::kLogitNormal;
  double sigmoid_scale = 1.0;  // flow_sigmoid_scale
  double beta_alpha = 2.0;     // flow_beta_schedule_alpha
  double beta_beta = 2.0;      // flow_beta_schedule_beta
  // flow_custom_timesteps: values <= 1 are sigmas, otherwise timesteps out of 1000 (decided by
  // the largest value, as ST does). Used as given: neither shifted nor restricted to
  // sigma_range.
  std::vector<double> custom_timesteps;

  // flow_schedule_shift; a value > 0 wins over auto_shift. 0 with auto_shift off: no shift.
  double shift = 3.0;
  // flow_schedule_auto_shift: s = e^mu with mu on the line through (base_seq_len, base_shift)
  // and (max_seq_len, max_shift), extrapolated past max_seq_len without a clamp, as ST does.
  // The defaults are FlowMatchEulerDiscreteScheduler's.
  bool auto_shift = false;
  double base_shift = 0.5;
  double max_shift = 1.15;
  int64_t base_seq_len = 256;
  int64_t max_seq_len = 4096;
  int64_t patch_size = 2;  // the scheduler's patch_size, 2 when it has none

  // Restricts the sampled sigmas (see the top of this file); unset: the full range, as ST.
  std::optional<SigmaRange> sigma_range;
};

// The range of a Wan 2.2 expert: "high" -> [boundary, 1), "low" -> [0, boundary), "" -> none.
// Throws reel::Error for another stage name or a boundary outside (0, 1).
std::optional<SigmaRange> expert_sigma_range(const std::string& stage, double boundary);

// Latent grid of one sample: frames T, height h, width w (latent units, not pixels).
struct LatentSize {
  int64_t frames = 1;
  int64_t height = 0;
  int64_t width = 0;
};
// The last three dims of [B, C, T, h, w]; of [B, C, h, w] with frames 1.
LatentSize latent_size_of(c10::IntArrayRef latent_shape);

// shift_sigma on a tensor (computed in float64, returned in u's dtype).
at::Tensor shift_sigmas(const at::Tensor& u, double s);

// seq = T * (h / p) * (w / p) (integer division), the auto shift's sequence length.
int64_t auto_shift_seq_len(const LatentSize& size, const FlowMatchingConfig& config);
// mu = m*seq + b with m = (max_shift - base_shift) / (max_seq_len - base_seq_len) and
// b = base_shift - m*base_seq_len; returns e^mu. 832x480x81 video: seq 32 760, s = 404.2.
double auto_shift(const LatentSize& size, const FlowMatchingConfig& config);
// The shift a batch of this latent size gets: config.shift when > 0, else auto_shift() when
// on, else 1 (none).
double resolved_shift(const LatentSize& size, const FlowMatchingConfig& config);

// One warning line for the start of a run, when auto shift is in effect and the largest of
// the buckets' latent sizes is past max_seq_len: its shape, seq and the extrapolated shift.
// nullopt when there is nothing to warn about.
std::optional<std::string> auto_shift_warning(const FlowMatchingConfig& config,
                                              const std::vector<LatentSize>& buckets);

// u = sigmoid(scale * z), the logit-normal sampler's map from a normal draw z (with the
// dataset's timestep_sampling_offset already added to z).
at::Tensor logit_normal(const at::Tensor& z, double scale);

// One sigma per sample, [B] float32 on the CPU, B = latent_shape[0]. `offsets` are the
// samples' dataset timestep_sampling_offset (added to z by the logit-normal sampler; empty =
// all 0, else B values). `generator` is a CPU generator; each call draws B values from it.
// Throws reel::Error naming the option when the config is invalid.
at::Tensor sample_sigmas(const FlowMatchingConfig& config, c10::IntArrayRef latent_shape,
                         const std::vector<double>& offsets, at::Generator& generator);

struct FlowInputs {
  at::Tensor noisy;      // x_t = (1 - sigma)*x0 + sigma*noise, in x0's dtype
  at::Tensor target;     // v = noise - x0, in x0's dtype
  at::Tensor timesteps;  // 1000*sigma, [B] float32, not rounded, on x0's device
};

// `sigmas` [B] (any device); x0 and noise [B, ...] of one shape. `input_noise`, when given,
// replaces noise in x_t only (input_perturbation: noise + p*N(0, 1)); the target keeps noise.
FlowInputs flow_inputs(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& sigmas,
                       const at::Tensor& input_noise = {});

// input_perturbation's strength at a step: p, fading linearly to 0 at input_perturbation_steps
// when that is > 0 (and 0 from there on).
double input_perturbation_scale(double perturbation, int64_t perturbation_steps,
                                int64_t global_step);

}  // namespace reel
