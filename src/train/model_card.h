// The README.md written next to the final adapter: what was trained on what, with which
// settings, and how to load it (spec/training.md §10).
#pragma once

#include <cstdint>
#include <string>

#include "train/trainer_settings.h"

namespace reel {

std::string model_card_text(const TrainerSettings& settings, int64_t steps);
// Writes output_dir/README.md atomically.
void write_model_card(const TrainerSettings& settings, int64_t steps);

}  // namespace reel
