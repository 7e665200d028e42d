// What the Wan transformer is given, per flavour, in training and sampling alike
// (spec/training.md §4, spec/validation.md §3):
// T2V takes the noisy latents alone; I2V (2.1 and 2.2 A14B) takes the channel concatenation
// [noisy latents (16), first-frame mask (4), condition latents (16)] = 36 channels, and Wan
// 2.1 I2V also the CLIP image embeddings.
#pragma once

#include <ATen/core/Tensor.h>

namespace reel {

// [B, 4, T, h, w]: 1 on the first latent frame, 0 elsewhere (the pixel mask of frame 0,
// repeated 4x and folded into 4 channels per latent frame).
at::Tensor first_frame_mask(const at::Tensor& latents);

// [B, 36, T, h, w] = cat(noisy, mask, condition) along channels. Throws reel::Error when the
// shapes disagree.
at::Tensor image_to_video_hidden_states(const at::Tensor& noisy, const at::Tensor& condition);

}  // namespace reel
