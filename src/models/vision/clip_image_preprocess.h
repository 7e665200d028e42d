// Turning uint8 RGB images into CLIP pixel_values [B, 3, S, S], by either of the two routes
// found in the Wan code bases (shared/fixtures/README.md, clip_vision_tiny):
//
//   kOfficial     Wan's own I2V code (wan/image2video.py + clip.py): x/255 -> (x-0.5)/0.5 ->
//                 bicubic resize of the whole image to S x S (torch F.interpolate,
//                 align_corners=False, no antialias, cubic a=-0.75; the aspect ratio is NOT
//                 kept and nothing is cropped) -> x*0.5+0.5 -> (x-mean)/std.
//   kHfProcessor  diffusers' WanImageToVideoPipeline (CLIPImageProcessor): resize the shortest
//                 edge to S with PIL bicubic on uint8 (antialiased, a=-0.5, fixed-point,
//                 horizontal then vertical pass, each rounded to uint8; long edge =
//                 int(S * long / short)) -> centre crop S x S (top = (h-S)//2, left =
//                 (w-S)//2) -> x/255 -> (x-mean)/std. PIL's arithmetic is reproduced exactly.
//
// Which route Reel's Wan I2V training uses: kHfProcessor (kDefaultClipRoute). It is what
// diffusers' I2V pipeline and SimpleTuner's Wan I2V training compute, so image-embed caches
// and trained LoRAs agree with the diffusers inference most users run. kOfficial reproduces
// the official Wan scripts (and ComfyUI-style whole-image squashing) and is exposed for
// parity with them. The two differ for non-square images (pixel values up to ~2.5 apart on
// the fixture), so an image-embed cache must record the route it was made with
// (clip_route_name()).
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace reel {

enum class ClipPreprocessRoute { kOfficial, kHfProcessor };

inline constexpr ClipPreprocessRoute kDefaultClipRoute = ClipPreprocessRoute::kHfProcessor;

// "official" / "hf_processor".
std::string clip_route_name(ClipPreprocessRoute route);
// Parses clip_route_name()'s spellings; std::nullopt for anything else.
std::optional<ClipPreprocessRoute> parse_clip_route(const std::string& name);

struct ClipPreprocessConfig {
  int64_t image_size = 224;  // S: the model's image_size (= the processor's crop size)
  // The processor's shortest_edge; 0 = image_size (what Wan's processor says).
  int64_t shortest_edge = 0;
  std::array<double, 3> mean = {0.48145466, 0.4578275, 0.40821073};
  std::array<double, 3> std = {0.26862954, 0.26130258, 0.27577711};
};

// image_mean, image_std, crop_size and size.shortest_edge of a transformers
// preprocessor_config.json (CLIPImageProcessor); throws reel::Error naming the file when it
// cannot be read or asks for something other than bicubic resize + centre crop.
ClipPreprocessConfig read_clip_preprocess_config(const std::string& preprocessor_config_json);

// One image: uint8 [H, W, 3] (RGB, HWC, any strides) -> float32 [3, S, S]. Throws reel::Error
// for another dtype or shape.
at::Tensor clip_preprocess_image(const at::Tensor& uint8_hwc, ClipPreprocessRoute route,
                                 const ClipPreprocessConfig& config);
// Several images of any sizes -> float32 [B, 3, S, S], in the given order.
at::Tensor clip_preprocess(const std::vector<at::Tensor>& uint8_hwc_images,
                           ClipPreprocessRoute route, const ClipPreprocessConfig& config);

// PIL's Image.resize(..., BICUBIC) of a uint8 [H, W, C] image to [out_h, out_w, C], bit-exact
// with Pillow (ImagingResample: antialiased support 2*max(1, scale), 22-bit fixed-point
// coefficients, horizontal pass then vertical pass, each clipped to uint8).
at::Tensor pil_bicubic_resize_uint8(const at::Tensor& uint8_hwc, int64_t out_h, int64_t out_w);

}  // namespace reel
