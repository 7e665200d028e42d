#include "config/wan_flavour.h"

namespace reel {
namespace {

WanFlavour plain(const char* name, const char* repo, const char* kind, bool clip) {
  WanFlavour f;
  f.name = name;
  f.repo = repo;
  f.kind = kind;
  f.needs_clip = clip;
  return f;
}

// diffusers runs `transformer` above the boundary (high noise) and `transformer_2` below it;
// ST's table has these reversed (spec §3), Reel follows diffusers.
WanFlavour staged(const char* name, const char* repo, const char* kind, const char* stage,
                  const char* subfolder, double shift, int steps, double guidance,
                  double boundary) {
  WanFlavour f = plain(name, repo, kind, false);
  f.stage = stage;
  f.transformer_subfolder = subfolder;
  f.forced_shift = shift;
  f.forced_steps = steps;
  f.forced_guidance = guidance;
  f.boundary_ratio = boundary;
  return f;
}

WanFlavour unsupported(WanFlavour f) {
  f.supported = false;
  return f;
}

}  // namespace

const std::vector<WanFlavour>& wan_flavours() {
  static const std::vector<WanFlavour> table = {
      plain("t2v-480p-1.3b-2.1", "Wan-AI/Wan2.1-T2V-1.3B-Diffusers", "t2v", false),
      plain("t2v-480p-14b-2.1", "Wan-AI/Wan2.1-T2V-14B-Diffusers", "t2v", false),
      plain("i2v-14b-2.1", "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers", "i2v", true),
      plain("i2v-14b-2.1-720p", "Wan-AI/Wan2.1-I2V-14B-720P-Diffusers", "i2v", true),
      staged("i2v-14b-2.2-high", "Wan-AI/Wan2.2-I2V-A14B-Diffusers", "i2v", "high", "transformer",
             5.0, 40, 3.5, 0.9),
      staged("i2v-14b-2.2-low", "Wan-AI/Wan2.2-I2V-A14B-Diffusers", "i2v", "low", "transformer_2",
             5.0, 40, 3.5, 0.9),
      plain("ti2v-5b-2.2", "Wan-AI/Wan2.2-TI2V-5B-Diffusers", "ti2v", false),
      // AnimeGen loads single files, so no subfolder is forced.
      staged("animegen-t2v-high", "Wan-AI/Wan2.2-T2V-A14B-Diffusers", "t2v", "high", "", 3.0, 8,
             1.0, 0.875),
      staged("animegen-t2v-low", "Wan-AI/Wan2.2-T2V-A14B-Diffusers", "t2v", "low", "", 3.0, 8, 1.0,
             0.875),
      unsupported(plain("flf2v-14b-2.1", "Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers", "flf2v", true)),
      unsupported(
          staged("flf2v-14b-2.2-high", "", "flf2v", "high", "transformer", 5.0, 40, 3.5, 0.9)),
      unsupported(
          staged("flf2v-14b-2.2-low", "", "flf2v", "low", "transformer_2", 5.0, 40, 3.5, 0.9)),
      unsupported(plain("vace-1.3b-2.1", "Wan-AI/Wan2.1-VACE-1.3B-diffusers", "vace", false)),
      unsupported(plain("vace-14b-2.1", "Wan-AI/Wan2.1-VACE-14B-diffusers", "vace", false)),
  };
  return table;
}

const WanFlavour* find_wan_flavour(const std::string& name) {
  for (const auto& f : wan_flavours()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<std::string> supported_wan_flavours() {
  std::vector<std::string> names;
  for (const auto& f : wan_flavours()) {
    if (f.supported) names.push_back(f.name);
  }
  return names;
}

}  // namespace reel
