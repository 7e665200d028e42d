#include "models/wan/wan_i2v_inputs.h"

#include <ATen/ATen.h>

#include "core/error.h"
#include "core/shape_text.h"

namespace reel {

at::Tensor first_frame_mask(const at::Tensor& latents) {
  if (latents.dim() != 5) {
    throw Error("latents must be [B, C, T, h, w], got " + shape_text(latents.sizes()));
  }
  at::Tensor mask = at::zeros(
      {latents.size(0), 4, latents.size(2), latents.size(3), latents.size(4)}, latents.options());
  mask.select(2, 0).fill_(1);
  return mask;
}

at::Tensor image_to_video_hidden_states(const at::Tensor& noisy, const at::Tensor& condition) {
  if (noisy.dim() != 5 || condition.sizes() != noisy.sizes()) {
    throw Error("image-to-video needs condition latents shaped like the noisy latents: " +
                shape_text(condition.sizes()) + " vs " + shape_text(noisy.sizes()));
  }
  return at::cat({noisy, first_frame_mask(noisy), condition.to(noisy.scalar_type())}, 1);
}

}  // namespace reel
