// Recognises what a set of weights is from its tensor names and shapes: which model part
// (transformer, VAE, text encoder, image encoder, adapter), which naming (diffusers, the
// official Wan release, ComfyUI's prefixes), and the variant the shapes reveal.
// `reel inspect` reports it; loaders use it to pick the weight-name map.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reel {

struct TensorShape {
  std::string name;
  std::vector<int64_t> shape;
};

struct CheckpointLayout {
  std::string kind;     // "wan-transformer", "wan-vae", "umt5-encoder", "clip-vision", "lora",
                        // "lycoris", or "unknown"
  std::string naming;   // "diffusers", "official", "comfyui", "transformers", "peft", "kohya"
  std::string prefix;   // a prefix common to every name and stripped for matching, e.g.
                        // "model.diffusion_model."
  std::string variant;  // what the shapes say, e.g. "T2V, dim 1536 (1.3B), 30 layers"
  std::string description() const;
};

CheckpointLayout detect_layout(const std::vector<TensorShape>& tensors);

}  // namespace reel
