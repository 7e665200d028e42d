#include "train/validation_hook.h"

#include "core/error.h"

namespace reel {

EmaValidation parse_ema_validation(const std::string& name) {
  if (name == "none") return EmaValidation::kNone;
  if (name == "ema_only") return EmaValidation::kEmaOnly;
  if (name == "comparison") return EmaValidation::kComparison;
  throw Error("ema_validation '" + name + "' is not none, ema_only or comparison")
      .key("ema_validation");
}

bool validation_due(const ValidationHook& hook, int64_t step, int64_t total) {
  if (!hook.render) return false;
  if (step == 0) return hook.on_startup;
  return step == total || (hook.every > 0 && step % hook.every == 0);
}

}  // namespace reel
