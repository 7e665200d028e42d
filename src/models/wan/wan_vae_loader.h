// Loading the Wan VAE from whatever the user points at, detected automatically:
//   - a diffusers pipeline folder (its "vae" subfolder) or the vae folder itself:
//     config.json + diffusion_pytorch_model.safetensors (AutoencoderKLWan names);
//   - the official single file (Wan2.1_VAE / Wan2.2_VAE converted to .safetensors, official
//     names such as "encoder.downsamples.0.residual.0.gamma"); its config is inferred from the
//     tensor shapes and the naming (2.2 nests its blocks), with the released latents_mean/std.
// Weights are read through the mmap and converted once to the target dtype and device.
//
//   WanVae vae = load_wan_vae("Wan2.1-T2V-1.3B-Diffusers", at::kFloat, at::kCPU);
//   WanVaePosterior p = vae.encode(video);
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <filesystem>

#include "models/wan/wan_vae.h"

namespace reel {

// Throws reel::Error naming the path when it does not exist or holds no Wan VAE; missing,
// unexpected or mis-shaped tensors are reported together (the first few of each kind, and the
// counts) in one reel::Error.
WanVae load_wan_vae(const std::filesystem::path& path, at::ScalarType dtype = at::kFloat,
                    at::Device device = at::kCPU);

}  // namespace reel
