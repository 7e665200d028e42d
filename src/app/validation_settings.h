// The validation of `reel train` from the resolved options (spec/validation.md): the texts the
// preparation must encode into the default text-embed cache, then, once the caches are ready,
// the renderer and the trainer's hook.
//
//   settings.extra_prompts = validation_texts(config);            // before prepare_caches
//   std::optional<ValidationRenderer> r = validation_renderer(config, trainer, prepare, prepared,
//                                                             datasets);
//   trainer.validation = validation_hook(config, r ? &*r : nullptr);
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/dataset_config.h"
#include "config/load_config.h"
#include "data/prepare_caches.h"
#include "sample/validation_renderer.h"
#include "train/trainer_settings.h"

namespace reel {

// Every validation prompt and the negative prompt; none with validation_disable. Throws
// reel::Error for an unreadable user_prompt_library.
std::vector<std::string> validation_texts(const LoadedConfig& config);

// "832x480,480" -> {(832, 480), (480, 480)}; throws reel::Error naming validation_resolution.
std::vector<std::pair<int64_t, int64_t>> parse_validation_resolutions(const std::string& text);

// std::nullopt when validation is off (validation_disable, or no prompt: logged). Throws
// reel::Error for settings the model cannot render, before any training.
std::optional<ValidationRenderer> validation_renderer(const LoadedConfig& config,
                                                      const TrainerSettings& trainer,
                                                      const PrepareSettings& prepare,
                                                      const Preparation& prepared,
                                                      const DatasetConfigs& datasets);

// The trainer's side: when to validate and which weights; renders through `renderer` (none:
// no validation). The renderer must outlive the training.
ValidationHook validation_hook(const LoadedConfig& config, ValidationRenderer* renderer);

}  // namespace reel
