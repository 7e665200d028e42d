// How the trainer validates (spec/validation.md §1, §5): when, with which weights, and the
// function that renders. The rendering itself lives in the sampling layer; the app hands it
// in as `render`, so the trainer knows nothing of samplers, VAEs or files.
//
// Validation runs after optimizer step N when N % every == 0, after the last step, and at
// step 0 of a fresh run with on_startup. With EMA, `ema` picks the weights: kNone renders the
// trained weights, kEmaOnly the EMA weights, kComparison both (the EMA copies suffixed
// "_ema"). The trainer saves and restores every global generator around it, so training is
// bit-identical with and without validation.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "train/webhook_events.h"

namespace reel {

class WanTransformer;

enum class EmaValidation { kNone, kEmaOnly, kComparison };

// "none", "ema_only", "comparison"; throws reel::Error naming ema_validation otherwise.
EmaValidation parse_ema_validation(const std::string& name);

using ValidationPreviewSink = std::function<void(const WebhookPreviewInfo&)>;
// Renders every validation prompt with `model` (file names end in `suffix`); returns what was
// written, one entry per video.
using RenderValidation = std::function<std::vector<WebhookValidationInfo>(
    int64_t step, const WanTransformer& model, const std::string& suffix,
    const ValidationPreviewSink& preview)>;

struct ValidationHook {
  RenderValidation render;  // empty: no validation
  int64_t every = 0;        // validation_step_interval; 0: only at the end
  bool on_startup = false;
  EmaValidation ema = EmaValidation::kComparison;
};

// Whether validation runs after optimizer step `step` of a run of `total` steps (step 0: at
// the start of a fresh run).
bool validation_due(const ValidationHook& hook, int64_t step, int64_t total);

}  // namespace reel
