// Wan model flavours (spec config.md §3) as data: the name a user writes in `model_flavour`
// mapped to its repository and the settings it forces.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace reel {

struct WanFlavour {
  std::string name;
  std::string repo;  // Hugging Face repo, "" when ST has none
  std::string kind;  // "t2v", "i2v", "ti2v", "flf2v", "vace"
  bool needs_clip = false;
  std::string stage;                  // "", "high" or "low" (Wan 2.2 two-expert models)
  std::string transformer_subfolder;  // forced subfolder of the stage, "" = not forced
  // Stage flavours force these validation/schedule settings.
  std::optional<double> forced_shift;
  std::optional<int> forced_steps;
  std::optional<double> forced_guidance;
  std::optional<double> boundary_ratio;
  bool supported = true;  // false: listed by ST, not in Reel round 1
};

const std::vector<WanFlavour>& wan_flavours();
const WanFlavour* find_wan_flavour(const std::string& name);
// Names of the flavours Reel supports, in table order.
std::vector<std::string> supported_wan_flavours();

inline constexpr const char* kDefaultWanFlavour = "t2v-480p-1.3b-2.1";

}  // namespace reel
