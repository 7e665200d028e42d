#include "models/vision/clip_image_preprocess.h"
#include "core/json_file.h"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace reel {
namespace {

// ---- Pillow's ImagingResample for 8-bit images, BICUBIC (Resample.c) ----

constexpr int kPrecisionBits = 32 - 8 - 2;

double pil_bicubic(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

struct Coeffs {
  int64_t ksize = 0;
  std::vector<int> bounds;  // [out, 2]: xmin, count
  std::vector<int32_t> kk;  // [out, ksize], fixed point
};

// precompute_coeffs + normalize_coeffs_8bpc over the whole input (box 0..in_size).
Coeffs pil_coeffs(int in_size, int out_size) {
  constexpr double kSupport = 2.0;  // bicubic
  const float in0 = 0.f, in1 = static_cast<float>(in_size);
  double scale = static_cast<double>(in1 - in0) / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = kSupport * filterscale;
  Coeffs c;
  c.ksize = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  c.bounds.resize(static_cast<size_t>(out_size) * 2);
  c.kk.assign(static_cast<size_t>(out_size * c.ksize), 0);
  std::vector<double> k(static_cast<size_t>(c.ksize));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    double ww = 0.0;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    int x = 0;
    for (; x < xmax; ++x) {
      const double w = pil_bicubic((x + xmin - center + 0.5) * ss);
      k[static_cast<size_t>(x)] = w;
      ww += w;
    }
    for (x = 0; x < xmax; ++x) {
      if (ww != 0.0) k[static_cast<size_t>(x)] /= ww;
    }
    for (; x < c.ksize; ++x) k[static_cast<size_t>(x)] = 0;
    c.bounds[static_cast<size_t>(xx) * 2] = xmin;
    c.bounds[static_cast<size_t>(xx) * 2 + 1] = xmax;
    for (int64_t i = 0; i < c.ksize; ++i) {
      const double v = k[static_cast<size_t>(i)] * (1 << kPrecisionBits);
      c.kk[static_cast<size_t>(xx * c.ksize + i)] =
          static_cast<int32_t>(v < 0 ? -0.5 + v : 0.5 + v);
    }
  }
  return c;
}

uint8_t clip8(int64_t in) {
  if (in >= (int64_t{1} << kPrecisionBits) * 256) return 255;
  if (in <= 0) return 0;
  return static_cast<uint8_t>(in >> kPrecisionBits);
}

// One pass along `axis` (0: rows / vertical, 1: columns / horizontal) of [H, W, C] uint8.
at::Tensor pil_pass(const at::Tensor& in, int axis, int out_size) {
  const int64_t H = in.size(0), W = in.size(1), C = in.size(2);
  const int in_size = static_cast<int>(axis == 0 ? H : W);
  const Coeffs co = pil_coeffs(in_size, out_size);
  const int64_t oh = axis == 0 ? out_size : H, ow = axis == 0 ? W : out_size;
  at::Tensor out = at::empty({oh, ow, C}, at::kByte);
  const uint8_t* src = in.data_ptr<uint8_t>();
  uint8_t* dst = out.data_ptr<uint8_t>();
  for (int64_t y = 0; y < oh; ++y) {
    for (int64_t x = 0; x < ow; ++x) {
      const int64_t o = axis == 0 ? y : x;
      const int xmin = co.bounds[static_cast<size_t>(o) * 2];
      const int n = co.bounds[static_cast<size_t>(o) * 2 + 1];
      const int32_t* k = &co.kk[static_cast<size_t>(o * co.ksize)];
      for (int64_t ch = 0; ch < C; ++ch) {
        int64_t ss = int64_t{1} << (kPrecisionBits - 1);
        for (int i = 0; i < n; ++i) {
          const int64_t sy = axis == 0 ? xmin + i : y, sx = axis == 0 ? x : xmin + i;
          ss += static_cast<int64_t>(src[(sy * W + sx) * C + ch]) * k[i];
        }
        dst[(y * ow + x) * C + ch] = clip8(ss);
      }
    }
  }
  return out;
}

void check_image(const at::Tensor& img) {
  if (img.scalar_type() != at::kByte || img.dim() != 3 || img.size(2) != 3 || img.size(0) < 1 ||
      img.size(1) < 1) {
    std::string got = "[";
    for (int64_t i = 0; i < img.dim(); ++i) got += (i ? ", " : "") + std::to_string(img.size(i));
    throw Error("a CLIP input image must be uint8 [H, W, 3] (RGB), got " +
                std::string(c10::toString(img.scalar_type())) + " " + got + "]");
  }
}

// (x - mean) / std per channel in float32, x [3, S, S] float32.
at::Tensor normalize(const at::Tensor& x, const ClipPreprocessConfig& cfg) {
  at::Tensor mean = at::tensor({static_cast<float>(cfg.mean[0]), static_cast<float>(cfg.mean[1]),
                                static_cast<float>(cfg.mean[2])})
                        .view({3, 1, 1});
  at::Tensor std = at::tensor({static_cast<float>(cfg.std[0]), static_cast<float>(cfg.std[1]),
                               static_cast<float>(cfg.std[2])})
                       .view({3, 1, 1});
  return (x - mean) / std;
}

}  // namespace

std::string clip_route_name(ClipPreprocessRoute route) {
  return route == ClipPreprocessRoute::kOfficial ? "official" : "hf_processor";
}

std::optional<ClipPreprocessRoute> parse_clip_route(const std::string& name) {
  if (name == "official") return ClipPreprocessRoute::kOfficial;
  if (name == "hf_processor") return ClipPreprocessRoute::kHfProcessor;
  return std::nullopt;
}

ClipPreprocessConfig read_clip_preprocess_config(const std::string& path) {
  const nlohmann::json j = read_json_object(path, "the image processor config");
  ClipPreprocessConfig c;
  try {
    if (j.contains("resample") && j["resample"].get<int>() != 3) {
      throw Error("only bicubic resampling (resample 3) is supported").file(path).key("resample");
    }
    if (j.contains("do_center_crop") && !j["do_center_crop"].get<bool>()) {
      throw Error("a processor without centre crop is not supported")
          .file(path)
          .key("do_center_crop");
    }
    if (j.contains("crop_size")) {
      const auto& cs = j["crop_size"];
      const int64_t h = cs.is_object() ? cs.at("height").get<int64_t>() : cs.get<int64_t>();
      const int64_t w = cs.is_object() ? cs.at("width").get<int64_t>() : h;
      if (h != w)
        throw Error("a non-square crop_size is not supported").file(path).key("crop_size");
      c.image_size = h;
    }
    if (j.contains("size")) {
      const auto& s = j["size"];
      c.shortest_edge = s.is_object() ? s.at("shortest_edge").get<int64_t>() : s.get<int64_t>();
    }
    for (int i = 0; i < 3; ++i) {
      if (j.contains("image_mean")) c.mean[i] = j["image_mean"].at(i).get<double>();
      if (j.contains("image_std")) c.std[i] = j["image_std"].at(i).get<double>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("invalid image processor config: ") + e.what()).file(path);
  }
  if (c.image_size <= 0 || c.shortest_edge < 0 ||
      (c.shortest_edge > 0 && c.shortest_edge < c.image_size)) {
    throw Error("invalid crop_size / size.shortest_edge").file(path);
  }
  return c;
}

at::Tensor pil_bicubic_resize_uint8(const at::Tensor& uint8_hwc, int64_t out_h, int64_t out_w) {
  TORCH_CHECK(uint8_hwc.scalar_type() == at::kByte && uint8_hwc.dim() == 3,
              "pil_bicubic_resize_uint8 expects uint8 [H, W, C]");
  TORCH_CHECK(out_h > 0 && out_w > 0, "pil_bicubic_resize_uint8: empty output size");
  at::Tensor x = uint8_hwc.to(at::kCPU).contiguous();
  // ImagingResample: horizontal pass first (if the width changes), then vertical.
  if (out_w != x.size(1)) x = pil_pass(x, 1, static_cast<int>(out_w));
  if (out_h != x.size(0)) x = pil_pass(x, 0, static_cast<int>(out_h));
  return x;
}

at::Tensor clip_preprocess_image(const at::Tensor& img, ClipPreprocessRoute route,
                                 const ClipPreprocessConfig& cfg) {
  check_image(img);
  const int64_t S = cfg.image_size;
  const at::Tensor hwc = img.to(at::kCPU).contiguous();
  if (route == ClipPreprocessRoute::kOfficial) {
    // TF.to_tensor(img).sub_(0.5).div_(0.5), all float32.
    at::Tensor x = hwc.permute({2, 0, 1}).to(at::kFloat).div(255.0f);
    x = x.sub(0.5f).div(0.5f).unsqueeze(0);
    x = at::upsample_bicubic2d(x, {S, S}, /*align_corners=*/false);
    x = x.mul(0.5f).add(0.5f).squeeze(0);
    return normalize(x, cfg).contiguous();
  }
  // CLIPImageProcessor: shortest edge -> S' (PIL bicubic on uint8), centre crop S.
  const int64_t edge = cfg.shortest_edge > 0 ? cfg.shortest_edge : S;
  const int64_t h = hwc.size(0), w = hwc.size(1);
  const int64_t short_side = std::min(h, w), long_side = std::max(h, w);
  const auto new_long =
      static_cast<int64_t>(static_cast<double>(edge * long_side) / static_cast<double>(short_side));
  const int64_t nh = h <= w ? edge : new_long, nw = h <= w ? new_long : edge;
  at::Tensor r = pil_bicubic_resize_uint8(hwc, nh, nw);
  // transformers' center_crop: top = (h - S) // 2, left = (w - S) // 2 (S <= both here).
  const int64_t top = (nh - S) / 2, left = (nw - S) / 2;
  r = r.slice(0, top, top + S).slice(1, left, left + S);
  // rescale: float64 * (1/255), stored as float32; normalize in float32.
  at::Tensor x = r.permute({2, 0, 1}).to(at::kDouble).mul(1.0 / 255.0).to(at::kFloat);
  return normalize(x, cfg).contiguous();
}

at::Tensor clip_preprocess(const std::vector<at::Tensor>& images, ClipPreprocessRoute route,
                           const ClipPreprocessConfig& cfg) {
  if (images.empty()) throw Error("no images to preprocess for CLIP");
  std::vector<at::Tensor> out;
  out.reserve(images.size());
  for (const at::Tensor& img : images) out.push_back(clip_preprocess_image(img, route, cfg));
  return at::stack(out);
}

}  // namespace reel
