#include "models/wan/wan_vae.h"

#include <ATen/ATen.h>

#include <c10/core/GradMode.h>
#include <c10/util/accumulate.h>

#include <cmath>
#include <unordered_map>
#include <utility>

#include "core/error.h"
#include "core/shape_text.h"
#include "nn/causal_conv3d.h"

namespace reel {
namespace {

using nn::CausalCache;

struct Conv {
  at::Tensor weight, bias;
};

// F.normalize over channels (x / max(||x||, 1e-12)) * sqrt(C) * gamma.
// Half-precision inputs are normalized in float32 (as diffusers does).
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& gamma) {
  const double scale = std::sqrt(static_cast<double>(x.size(1)));
  const bool half = x.scalar_type() == at::kHalf || x.scalar_type() == at::kBFloat16;
  const at::Tensor xf = half ? x.to(at::kFloat) : x;
  at::Tensor n = xf / xf.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
  if (half) n = n.to(x.scalar_type());
  return n * scale * gamma;
}

at::Tensor cached_conv(const Conv& c, const at::Tensor& x, CausalCache& cache) {
  if (c.weight.size(2) == 1) {
    at::Tensor none;
    return nn::causal_conv3d(x, c.weight, c.bias, none);
  }
  return nn::causal_conv3d(x, c.weight, c.bias, cache.next());
}

// [B, C, T, H, W] -> [B*T, C, H, W] and back.
at::Tensor frames_to_batch(const at::Tensor& x) {
  return x.permute({0, 2, 1, 3, 4})
      .reshape({x.size(0) * x.size(2), x.size(1), x.size(3), x.size(4)});
}
at::Tensor batch_to_frames(const at::Tensor& x, int64_t b) {
  return x.view({b, x.size(0) / b, x.size(1), x.size(2), x.size(3)}).permute({0, 2, 1, 3, 4});
}

struct ResBlock {
  at::Tensor norm1, norm2;
  Conv conv1, conv2, shortcut;  // shortcut only when in != out

  at::Tensor forward(const at::Tensor& in, CausalCache& cache) const {
    at::Tensor h = shortcut.weight.defined() ? cached_conv(shortcut, in, cache) : in;
    at::Tensor x = at::silu(rms_norm(in, norm1));
    x = cached_conv(conv1, x, cache);
    x = at::silu(rms_norm(x, norm2));
    x = cached_conv(conv2, x, cache);
    return x + h;
  }
};

// Single-head self-attention over the H*W positions of each frame.
struct Attention {
  at::Tensor norm;
  Conv to_qkv, proj;

  at::Tensor forward(const at::Tensor& in) const {
    const int64_t b = in.size(0), c = in.size(1), h = in.size(3), w = in.size(4);
    at::Tensor x = rms_norm(frames_to_batch(in), norm);
    const int64_t bt = x.size(0);
    at::Tensor qkv = at::conv2d(x, to_qkv.weight, to_qkv.bias);
    qkv = qkv.reshape({bt, 1, 3 * c, h * w}).permute({0, 1, 3, 2}).contiguous();
    std::vector<at::Tensor> parts = qkv.chunk(3, -1);
    x = at::scaled_dot_product_attention(parts[0], parts[1], parts[2]);
    x = x.squeeze(1).permute({0, 2, 1}).reshape({bt, c, h, w});
    x = at::conv2d(x, proj.weight, proj.bias);
    return batch_to_frames(x, b) + in;
  }
};

enum class Mode { kNone, kUp2d, kUp3d, kDown2d, kDown3d };

struct Resample {
  Mode mode = Mode::kNone;
  Conv resample;   // the 3x3 2-D conv
  Conv time_conv;  // up3d: dim -> 2 dim, k (3,1,1) causal; down3d: k (3,1,1) stride 2

  at::Tensor forward(at::Tensor x, CausalCache& cache) const {
    const int64_t b = x.size(0);
    if (mode == Mode::kUp3d) {
      // The first chunk passes through (the official 'Rep' marker); later chunks run the time
      // conv with zero history in front of latent 1, and double their frames.
      at::Tensor& history = cache.next();
      if (!cache.first_chunk()) {
        const int64_t c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
        x = nn::causal_conv3d(x, time_conv.weight, time_conv.bias, history);
        x = x.reshape({b, 2, c, t, h, w});
        x = at::stack({x.select(1, 0), x.select(1, 1)}, 3).reshape({b, c, t * 2, h, w});
      }
    }
    at::Tensor f = frames_to_batch(x);
    if (mode == Mode::kUp2d || mode == Mode::kUp3d) {
      // nearest(-exact) x2: each pixel becomes a 2x2 block.
      const int64_t n = f.size(0), c = f.size(1), h = f.size(2), w = f.size(3);
      f = f.reshape({n, c, h, 1, w, 1}).expand({n, c, h, 2, w, 2}).reshape({n, c, 2 * h, 2 * w});
      f = at::conv2d(f, resample.weight, resample.bias, {1, 1}, {1, 1});
    } else {
      f = at::constant_pad_nd(f, {0, 1, 0, 1}, 0.0);
      f = at::conv2d(f, resample.weight, resample.bias, {2, 2});
    }
    x = batch_to_frames(f, b);
    if (mode == Mode::kDown3d) {
      // The first chunk passes through and is kept; later chunks are convolved with stride 2
      // after the last frame before them.
      at::Tensor& last = cache.next();
      if (!last.defined()) {
        last = x.narrow(2, x.size(2) - 1, 1).clone();
      } else {
        at::Tensor in = at::cat({last, x}, 2);
        last = x.narrow(2, x.size(2) - 1, 1).clone();
        x = at::conv3d(in, time_conv.weight, time_conv.bias, {2, 1, 1});
      }
    }
    return x;
  }
};

// Wan 2.2 shortcut of a down block: pixel-unshuffle in time and space, then the mean over
// channel groups. On a chunk of odd length it pads zero frames in front.
at::Tensor avg_down(at::Tensor x, int64_t out, int64_t ft, int64_t fs) {
  const int64_t pad_t = (ft - x.size(2) % ft) % ft;
  if (pad_t) x = at::constant_pad_nd(x, {0, 0, 0, 0, pad_t, 0}, 0.0);
  const int64_t b = x.size(0), c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
  const int64_t factor = ft * fs * fs;
  x = x.reshape({b, c, t / ft, ft, h / fs, fs, w / fs, fs}).permute({0, 1, 3, 5, 7, 2, 4, 6});
  x = x.reshape({b, out, c * factor / out, t / ft, h / fs, w / fs});
  return x.mean(2);
}

// Wan 2.2 shortcut of an up block: channel groups duplicated into time and space; the first
// chunk drops its first ft - 1 frames.
at::Tensor dup_up(const at::Tensor& in, int64_t out, int64_t ft, int64_t fs, bool first_chunk) {
  const int64_t factor = ft * fs * fs;
  const int64_t b = in.size(0), t = in.size(2), h = in.size(3), w = in.size(4);
  at::Tensor x = in.repeat_interleave(out * factor / in.size(1), 1);
  x = x.reshape({b, out, ft, fs, fs, t, h, w}).permute({0, 1, 5, 2, 6, 3, 7, 4});
  x = x.reshape({b, out, t * ft, h * fs, w * fs});
  if (first_chunk && ft > 1) x = x.narrow(2, ft - 1, x.size(2) - (ft - 1));
  return x;
}

// One level of the encoder or decoder: residual blocks, then an optional resample; in Wan 2.2
// plus a parameter-free shortcut around the whole stage.
struct Stage {
  std::vector<ResBlock> resnets;
  Resample sampler;
  int64_t out = 0, ft = 1, fs = 1;
  bool has_shortcut = false;

  at::Tensor forward(const at::Tensor& in, CausalCache& cache, bool down) const {
    at::Tensor x = in;
    for (const ResBlock& r : resnets) x = r.forward(x, cache);
    if (sampler.mode != Mode::kNone) x = sampler.forward(x, cache);
    if (has_shortcut) {
      x = x + (down ? avg_down(in, out, ft, fs) : dup_up(in, out, ft, fs, cache.first_chunk()));
    }
    return x;
  }
};

struct Mid {
  ResBlock res0, res1;
  Attention attn;
  at::Tensor forward(const at::Tensor& x, CausalCache& cache) const {
    return res1.forward(attn.forward(res0.forward(x, cache)), cache);
  }
};

struct Coder {
  Conv conv_in, conv_out;
  std::vector<Stage> stages;
  Mid mid;
  at::Tensor norm_out;
};

const std::vector<float> kMean21 = {-0.7571, -0.7089, -0.9113, 0.1075,  -0.1745, 0.9653,
                                    -0.1517, 1.5508,  0.4134,  -0.0715, 0.5517,  -0.3632,
                                    -0.1922, -0.9497, 0.2503,  -0.2921};
const std::vector<float> kStd21 = {2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
                                   3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.916};
const std::vector<float> kMean22 = {
    -0.2289, -0.0052, -0.1323, -0.2339, -0.2799, 0.0174,  0.1838,  0.1557,  -0.1382, 0.0542,
    0.2813,  0.0891,  0.157,   -0.0098, 0.0375,  -0.1825, -0.2246, -0.1207, -0.0698, 0.5109,
    0.2665,  -0.2108, -0.2158, 0.2502,  -0.2055, -0.0322, 0.1109,  0.1567,  -0.0729, 0.0899,
    -0.2799, -0.123,  -0.0313, -0.1649, 0.0117,  0.0723,  -0.2839, -0.2083, -0.052,  0.3748,
    0.0152,  0.1957,  0.1433,  -0.2944, 0.3573,  -0.0548, -0.1681, -0.0667};
const std::vector<float> kStd22 = {
    0.4765, 1.0364, 0.4514, 1.1677, 0.5313, 0.499,  0.4818, 0.5013, 0.8158, 1.0344, 0.5894, 1.0901,
    0.6885, 0.6165, 0.8454, 0.4978, 0.5759, 0.3523, 0.7135, 0.6804, 0.5833, 1.4146, 0.8986, 0.5659,
    0.7069, 0.5338, 0.4889, 0.4917, 0.4069, 0.4999, 0.6866, 0.4093, 0.5709, 0.6065, 0.6415, 0.4944,
    0.5726, 1.2042, 0.5458, 1.6887, 0.3971, 1.06,   0.3943, 0.5537, 0.5444, 0.4089, 0.7468, 0.7744};

}  // namespace

std::vector<float> wan_vae_default_latents_mean(int64_t z_dim) {
  return z_dim == 16 ? kMean21 : z_dim == 48 ? kMean22 : std::vector<float>{};
}
std::vector<float> wan_vae_default_latents_std(int64_t z_dim) {
  return z_dim == 16 ? kStd21 : z_dim == 48 ? kStd22 : std::vector<float>{};
}

int64_t WanVaeConfig::spatial_factor() const {
  int64_t f = patch_size > 1 ? patch_size : 1;
  for (size_t i = 0; i + 1 < dim_mult.size(); ++i) f *= 2;
  return f;
}

std::string describe_wan_vae_config(const WanVaeConfig& c) {
  std::string s = c.is_residual ? "Wan 2.2 VAE" : "Wan 2.1 VAE";
  s += " (base_dim " + std::to_string(c.base_dim);
  if (c.decoder_dim() != c.base_dim) s += ", decoder_base_dim " + std::to_string(c.decoder_dim());
  s += ", z_dim " + std::to_string(c.z_dim) + ")";
  return s;
}

struct WanVae::Layers {
  Coder encoder, decoder;
  Conv quant_conv, post_quant_conv;

  struct Entry {
    std::string name, official;
    std::vector<int64_t> shape;
    at::Tensor* tensor;
  };
  std::vector<Entry> entries;
  std::unordered_map<std::string, std::string> official;  // diffusers -> official

  void add(const std::string& d, const std::string& o, std::vector<int64_t> shape, at::Tensor* t) {
    entries.push_back({d, o, std::move(shape), t});
  }
  void add_conv(const std::string& d, const std::string& o, Conv& c, std::vector<int64_t> shape) {
    add(d + ".weight", o + ".weight", shape, &c.weight);
    add(d + ".bias", o + ".bias", {shape[0]}, &c.bias);
  }
  void add_res(const std::string& d, const std::string& o, ResBlock& r, int64_t in, int64_t out) {
    add(d + ".norm1.gamma", o + ".residual.0.gamma", {in, 1, 1, 1}, &r.norm1);
    add_conv(d + ".conv1", o + ".residual.2", r.conv1, {out, in, 3, 3, 3});
    add(d + ".norm2.gamma", o + ".residual.3.gamma", {out, 1, 1, 1}, &r.norm2);
    add_conv(d + ".conv2", o + ".residual.6", r.conv2, {out, out, 3, 3, 3});
    if (in != out) add_conv(d + ".conv_shortcut", o + ".shortcut", r.shortcut, {out, in, 1, 1, 1});
  }
  void add_mid(const std::string& d, const std::string& o, Mid& m, int64_t dim) {
    add_res(d + ".resnets.0", o + ".0", m.res0, dim, dim);
    add(d + ".attentions.0.norm.gamma", o + ".1.norm.gamma", {dim, 1, 1}, &m.attn.norm);
    add_conv(d + ".attentions.0.to_qkv", o + ".1.to_qkv", m.attn.to_qkv, {3 * dim, dim, 1, 1});
    add_conv(d + ".attentions.0.proj", o + ".1.proj", m.attn.proj, {dim, dim, 1, 1});
    add_res(d + ".resnets.1", o + ".2", m.res1, dim, dim);
  }
  void add_resample(const std::string& d, const std::string& o, Resample& r, int64_t dim,
                    int64_t up_out) {
    const bool up = r.mode == Mode::kUp2d || r.mode == Mode::kUp3d;
    add_conv(d + ".resample.1", o + ".resample.1", r.resample, {up ? up_out : dim, dim, 3, 3});
    if (r.mode == Mode::kUp3d) {
      add_conv(d + ".time_conv", o + ".time_conv", r.time_conv, {2 * dim, dim, 3, 1, 1});
    } else if (r.mode == Mode::kDown3d) {
      add_conv(d + ".time_conv", o + ".time_conv", r.time_conv, {dim, dim, 3, 1, 1});
    }
  }

  void build(const WanVaeConfig& c) {
    const int64_t n = static_cast<int64_t>(c.dim_mult.size());
    const int64_t nrb = c.num_res_blocks;
    const bool res = c.is_residual;
    const int64_t z2 = 2 * c.z_dim;

    // Encoder.
    std::vector<int64_t> dims = {c.base_dim};
    for (int64_t m : c.dim_mult) dims.push_back(c.base_dim * m);
    encoder.stages.resize(n);
    add_conv("encoder.conv_in", "encoder.conv1", encoder.conv_in,
             {dims[0], c.in_channels, 3, 3, 3});
    int64_t flat = 0;  // Wan 2.1 numbers encoder layers in one list
    for (int64_t i = 0; i < n; ++i) {
      Stage& s = encoder.stages[i];
      const bool down = i != n - 1;
      const bool temporal = down && c.temperal_downsample.at(i);
      s.resnets.resize(nrb);
      for (int64_t j = 0; j < nrb; ++j) {
        const int64_t in = j == 0 ? dims[i] : dims[i + 1];
        std::string d, o;
        if (res) {
          d = "encoder.down_blocks." + std::to_string(i) + ".resnets." + std::to_string(j);
          o = "encoder.downsamples." + std::to_string(i) + ".downsamples." + std::to_string(j);
        } else {
          d = "encoder.down_blocks." + std::to_string(flat);
          o = "encoder.downsamples." + std::to_string(flat);
          ++flat;
        }
        add_res(d, o, s.resnets[j], in, dims[i + 1]);
      }
      if (down) {
        s.sampler.mode = temporal ? Mode::kDown3d : Mode::kDown2d;
        std::string d, o;
        if (res) {
          d = "encoder.down_blocks." + std::to_string(i) + ".downsampler";
          o = "encoder.downsamples." + std::to_string(i) + ".downsamples." + std::to_string(nrb);
        } else {
          d = "encoder.down_blocks." + std::to_string(flat);
          o = "encoder.downsamples." + std::to_string(flat);
          ++flat;
        }
        add_resample(d, o, s.sampler, dims[i + 1], dims[i + 1]);
      }
      if (res) {
        s.has_shortcut = true;
        s.out = dims[i + 1];
        s.ft = temporal ? 2 : 1;
        s.fs = down ? 2 : 1;
      }
    }
    add_mid("encoder.mid_block", "encoder.middle", encoder.mid, dims[n]);
    add("encoder.norm_out.gamma", "encoder.head.0.gamma", {dims[n], 1, 1, 1}, &encoder.norm_out);
    add_conv("encoder.conv_out", "encoder.head.2", encoder.conv_out, {z2, dims[n], 3, 3, 3});
    add_conv("quant_conv", "conv1", quant_conv, {z2, z2, 1, 1, 1});
    add_conv("post_quant_conv", "conv2", post_quant_conv, {c.z_dim, c.z_dim, 1, 1, 1});

    // Decoder.
    const int64_t dd = c.decoder_dim();
    std::vector<int64_t> ddims = {dd * c.dim_mult.back()};
    for (auto it = c.dim_mult.rbegin(); it != c.dim_mult.rend(); ++it) ddims.push_back(dd * *it);
    add_conv("decoder.conv_in", "decoder.conv1", decoder.conv_in, {ddims[0], c.z_dim, 3, 3, 3});
    add_mid("decoder.mid_block", "decoder.middle", decoder.mid, ddims[0]);
    decoder.stages.resize(n);
    for (int64_t i = 0; i < n; ++i) {
      Stage& s = decoder.stages[i];
      int64_t in = ddims[i];
      const int64_t out = ddims[i + 1];
      if (i > 0 && !res) in /= 2;  // Wan 2.1's upsamplers halve the channels
      const bool up = i != n - 1;
      const bool temporal = up && c.temperal_downsample.at(n - 2 - i);
      const std::string d = "decoder.up_blocks." + std::to_string(i);
      s.resnets.resize(nrb + 1);
      for (int64_t j = 0; j <= nrb; ++j) {
        const std::string o =
            res ? "decoder.upsamples." + std::to_string(i) + ".upsamples." + std::to_string(j)
                : "decoder.upsamples." + std::to_string(i * (nrb + 2) + j);
        add_res(d + ".resnets." + std::to_string(j), o, s.resnets[j], j == 0 ? in : out, out);
      }
      if (up) {
        s.sampler.mode = temporal ? Mode::kUp3d : Mode::kUp2d;
        const std::string o =
            res ? "decoder.upsamples." + std::to_string(i) + ".upsamples." + std::to_string(nrb + 1)
                : "decoder.upsamples." + std::to_string(i * (nrb + 2) + nrb + 1);
        add_resample(d + (res ? ".upsampler" : ".upsamplers.0"), o, s.sampler, out,
                     res ? out : out / 2);
        if (res) {
          s.has_shortcut = true;
          s.out = out;
          s.ft = temporal ? 2 : 1;
          s.fs = 2;
        }
      }
    }
    add("decoder.norm_out.gamma", "decoder.head.0.gamma", {ddims[n], 1, 1, 1}, &decoder.norm_out);
    add_conv("decoder.conv_out", "decoder.head.2", decoder.conv_out,
             {c.out_channels, ddims[n], 3, 3, 3});
    for (const Entry& e : entries) official.emplace(e.name, e.official);
  }
};

namespace {

at::Tensor run_encoder(const Coder& e, const at::Tensor& x, CausalCache& cache) {
  at::Tensor h = cached_conv(e.conv_in, x, cache);
  for (const Stage& s : e.stages) h = s.forward(h, cache, /*down=*/true);
  h = e.mid.forward(h, cache);
  h = at::silu(rms_norm(h, e.norm_out));
  return cached_conv(e.conv_out, h, cache);
}

at::Tensor run_decoder(const Coder& d, const at::Tensor& z, CausalCache& cache) {
  at::Tensor h = cached_conv(d.conv_in, z, cache);
  h = d.mid.forward(h, cache);
  for (const Stage& s : d.stages) h = s.forward(h, cache, /*down=*/false);
  h = at::silu(rms_norm(h, d.norm_out));
  return cached_conv(d.conv_out, h, cache);
}

// b c f (h q) (w r) -> b (c r q) f h w
at::Tensor patchify(const at::Tensor& x, int64_t p) {
  const int64_t b = x.size(0), c = x.size(1), f = x.size(2), h = x.size(3), w = x.size(4);
  return x.reshape({b, c, f, h / p, p, w / p, p})
      .permute({0, 1, 6, 4, 2, 3, 5})
      .reshape({b, c * p * p, f, h / p, w / p});
}

at::Tensor unpatchify(const at::Tensor& x, int64_t p) {
  const int64_t b = x.size(0), c = x.size(1) / (p * p), f = x.size(2), h = x.size(3), w = x.size(4);
  return x.reshape({b, c, p, p, f, h, w})
      .permute({0, 1, 4, 5, 3, 6, 2})
      .reshape({b, c, f, h * p, w * p});
}

}  // namespace

WanVae::WanVae(WanVaeConfig config) : config_(std::move(config)), layers_(new Layers) {
  if (config_.dim_mult.size() < 2 ||
      config_.temperal_downsample.size() + 1 != config_.dim_mult.size()) {
    throw Error(
        "the Wan VAE config needs dim_mult with n >= 2 entries and temperal_downsample "
        "with n - 1");
  }
  if (config_.latents_mean.empty())
    config_.latents_mean = wan_vae_default_latents_mean(config_.z_dim);
  if (config_.latents_std.empty()) config_.latents_std = wan_vae_default_latents_std(config_.z_dim);
  layers_->build(config_);
}
WanVae::~WanVae() = default;
WanVae::WanVae(WanVae&&) noexcept = default;
WanVae& WanVae::operator=(WanVae&&) noexcept = default;

std::vector<ParameterSlot> WanVae::parameters() {
  std::vector<ParameterSlot> slots;
  slots.reserve(layers_->entries.size());
  for (const auto& e : layers_->entries) slots.push_back({e.name, e.shape, e.tensor});
  return slots;
}

std::string WanVae::official_name(const std::string& diffusers_name) const {
  auto it = layers_->official.find(diffusers_name);
  return it == layers_->official.end() ? std::string() : it->second;
}

void WanVae::init_random(uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const auto f32 = at::TensorOptions().dtype(at::kFloat);
  for (ParameterSlot& slot : parameters()) {
    at::Tensor t = at::randn(slot.shape, gen, f32);
    if (slot.shape.size() >= 2 && slot.name.find(".gamma") == std::string::npos) {
      const int64_t fan_in = c10::multiply_integers(slot.shape) / slot.shape[0];
      t = t / std::sqrt(static_cast<double>(fan_in));
    } else if (slot.name.find(".gamma") != std::string::npos) {
      t = 1.0 + 0.1 * t;
    } else {
      t = 0.1 * t;
    }
    *slot.tensor = t;
  }
}

void WanVae::to(at::Device device, at::ScalarType dtype) {
  for (ParameterSlot& slot : parameters()) {
    if (slot.tensor->defined()) *slot.tensor = slot.tensor->to(device, dtype);
  }
}

WanVaePosterior WanVae::encode(const at::Tensor& video) const {
  const int64_t channels = config_.in_channels / (config_.patch_size * config_.patch_size);
  const int64_t s = config_.spatial_factor();
  if (video.dim() != 5 || video.size(1) != channels) {
    throw Error("the Wan VAE encodes videos [batch, " + std::to_string(channels) +
                ", frames, height, width]; got " + shape_text(video.sizes()));
  }
  const int64_t f = video.size(2), h = video.size(3), w = video.size(4);
  if (f < 1 || f % 4 != 1) {
    throw Error("the Wan VAE encodes 4k + 1 frames (1, 5, 9, ..., 81); got " + std::to_string(f))
        .hint("trim or pad the clip to 4k + 1 frames");
  }
  if (h < s || w < s || h % s != 0 || w % s != 0) {
    throw Error("the Wan VAE needs height and width that are multiples of " + std::to_string(s) +
                "; got " + std::to_string(h) + "x" + std::to_string(w))
        .hint("resize or crop to multiples of " + std::to_string(s));
  }
  at::NoGradGuard no_grad;
  const at::Tensor& w0 = layers_->quant_conv.weight;
  at::Tensor x = video.to(w0.device(), w0.scalar_type());
  if (config_.patch_size > 1) x = patchify(x, config_.patch_size);

  CausalCache cache;
  std::vector<at::Tensor> outs;
  outs.reserve(1 + (f - 1) / 4);
  for (int64_t start = 0; start < f; start += start == 0 ? 1 : 4) {
    cache.begin_chunk();
    const int64_t len = start == 0 ? 1 : 4;
    outs.push_back(run_encoder(layers_->encoder, x.narrow(2, start, len), cache));
  }
  x = at::cat(outs, 2);
  outs.clear();
  at::Tensor none;
  x = nn::causal_conv3d(x, layers_->quant_conv.weight, layers_->quant_conv.bias, none);
  x = x.to(at::kFloat);
  return {x.narrow(1, 0, config_.z_dim).contiguous(),
          x.narrow(1, config_.z_dim, config_.z_dim).contiguous()};
}

namespace {
at::Tensor channel_vector(const std::vector<float>& v, const at::Tensor& like, const char* what) {
  if (static_cast<int64_t>(v.size()) != like.size(1)) {
    throw Error(std::string("the Wan VAE config has ") + std::to_string(v.size()) + " " + what +
                " values for " + std::to_string(like.size(1)) + " latent channels");
  }
  return at::tensor(at::ArrayRef<float>(v)).view({1, -1, 1, 1, 1}).to(like.device());
}
}  // namespace

at::Tensor WanVae::normalize(const at::Tensor& latents) const {
  at::Tensor mean = channel_vector(config_.latents_mean, latents, "latents_mean");
  at::Tensor inv = 1.0 / channel_vector(config_.latents_std, latents, "latents_std");
  return ((latents.to(at::kFloat) - mean) * inv);
}

at::Tensor WanVae::denormalize(const at::Tensor& latents) const {
  at::Tensor mean = channel_vector(config_.latents_mean, latents, "latents_mean");
  at::Tensor inv = 1.0 / channel_vector(config_.latents_std, latents, "latents_std");
  return latents.to(at::kFloat) / inv + mean;
}

at::Tensor WanVae::decode_raw(const at::Tensor& latents) const {
  if (latents.dim() != 5 || latents.size(1) != config_.z_dim || latents.size(2) < 1) {
    throw Error("the Wan VAE decodes latents [batch, " + std::to_string(config_.z_dim) +
                ", frames, height, width]; got " + shape_text(latents.sizes()));
  }
  at::NoGradGuard no_grad;
  const at::Tensor& w0 = layers_->post_quant_conv.weight;
  at::Tensor none;
  at::Tensor z = latents.to(w0.device(), w0.scalar_type());
  z = nn::causal_conv3d(z, w0, layers_->post_quant_conv.bias, none);
  CausalCache cache;
  std::vector<at::Tensor> outs;
  outs.reserve(z.size(2));
  for (int64_t i = 0; i < z.size(2); ++i) {
    cache.begin_chunk();
    outs.push_back(run_decoder(layers_->decoder, z.narrow(2, i, 1), cache).to(at::kFloat));
  }
  at::Tensor x = at::cat(outs, 2);
  if (config_.patch_size > 1) x = unpatchify(x, config_.patch_size);
  return x;
}

at::Tensor WanVae::decode(const at::Tensor& latents) const {
  return decode_raw(latents).clamp_(-1.0, 1.0);
}

}  // namespace reel
