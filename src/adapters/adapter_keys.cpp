#include "adapters/adapter_keys.h"

#include "adapters/wan_adapter_names.h"
#include "core/error.h"
#include "models/wan/wan_weight_names.h"

namespace reel {

AdapterLayout parse_adapter_layout(const std::string& name) {
  if (name == "comfyui") return AdapterLayout::kComfyUI;
  if (name == "diffusers") return AdapterLayout::kDiffusers;
  if (name == "lycoris") return AdapterLayout::kLycoris;
  throw Error("unknown LoRA file layout '" + name + "'")
      .key("lora_format")
      .hint(
          "use comfyui (original Wan names, loads in ComfyUI and diffusers) or diffusers (PEFT "
          "names)");
}

std::string adapter_layout_name(AdapterLayout layout) {
  switch (layout) {
    case AdapterLayout::kComfyUI:
      return "comfyui";
    case AdapterLayout::kDiffusers:
      return "diffusers";
    case AdapterLayout::kLycoris:
      return "lycoris";
  }
  return "?";
}

std::string adapter_key(AdapterLayout layout, const std::string& module, const std::string& tensor,
                        const std::string& lycoris_prefix) {
  switch (layout) {
    case AdapterLayout::kComfyUI: {
      auto comfy = wan_diffusers_to_comfy(module);
      if (!comfy) {
        throw Error("module '" + module + "' has no original Wan name")
            .key(module)
            .hint("save in the diffusers layout");
      }
      if (tensor == "alpha") return *comfy + ".alpha";
      if (tensor == "bias") return *comfy + ".diff_b";
      return *comfy + "." + tensor + ".weight";
    }
    case AdapterLayout::kDiffusers:
      if (tensor == "bias") return "transformer." + module + ".lora_B.bias";
      return "transformer." + module + "." + tensor + (tensor == "alpha" ? "" : ".weight");
    case AdapterLayout::kLycoris: {
      const std::string base = lycoris_prefix + "_" + flatten_module_name(module) + ".";
      if (tensor == "lora_A") return base + "lora_down.weight";
      if (tensor == "lora_B") return base + "lora_up.weight";
      if (tensor == "bias") return base + "diff_b";
      return base + tensor;
    }
  }
  return module + "." + tensor;
}

}  // namespace reel
