#include "train/model_card.h"

#include <sstream>

#include "core/atomic_file.h"

namespace reel {

std::string model_card_text(const TrainerSettings& s, int64_t steps) {
  std::ostringstream out;
  const std::string algo = s.lycoris ? "LyCORIS" : "LoRA";
  out << "# " << s.output_dir.filename().string() << "\n\n"
      << "A " << algo << " adapter for " << s.base_model << " (Wan flavour `" << s.flavour
      << "`), trained with Reel for " << steps << " steps.\n\n"
      << "## Settings\n\n"
      << "| setting | value |\n| --- | --- |\n";
  if (!s.lycoris) {
    out << "| rank | " << s.lora.rank << " |\n"
        << "| alpha | " << s.lora.alpha.value_or(static_cast<double>(s.lora.rank)) << " |\n"
        << "| dropout | " << s.lora.dropout << " |\n";
  }
  out << "| optimizer | " << s.optimizer << " |\n"
      << "| learning rate | " << s.lr.learning_rate << " (" << s.lr.name << ") |\n"
      << "| gradient accumulation | " << s.gradient_accumulation_steps << " |\n"
      << "| caption dropout | " << s.caption_dropout_probability << " |\n"
      << "| flow schedule shift | "
      << (s.flow.shift > 0 ? std::to_string(s.flow.shift)
                           : (s.flow.auto_shift ? std::string("auto") : std::string("none")))
      << " |\n"
      << "| expert sigma range | "
      << (s.flow.sigma_range ? "[" + std::to_string(s.flow.sigma_range->lo) + ", " +
                                   std::to_string(s.flow.sigma_range->hi) + ")"
                             : std::string("full"))
      << " |\n"
      << "| seed | " << s.seed << " |\n\n"
      << "## Use\n\n"
      << "`pytorch_lora_weights.safetensors` uses "
      << (s.layout == AdapterLayout::kDiffusers ? "the diffusers (PEFT) layout"
                                                : "the original Wan names (`diffusion_model.`)")
      << "; ComfyUI's LoRA loader and diffusers' `pipe.load_lora_weights(...)` read it as is.\n";
  if (s.use_ema) out << "`ema/pytorch_lora_weights.safetensors` holds the EMA weights.\n";
  return out.str();
}

void write_model_card(const TrainerSettings& s, int64_t steps) {
  write_file_atomic(s.output_dir / "README.md", model_card_text(s, steps));
}

}  // namespace reel
