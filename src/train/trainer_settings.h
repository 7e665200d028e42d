// Everything the training loop needs to know, as plain values (app/train_settings.cpp fills it
// from the option registry). The loop never reads the configuration itself.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "adapters/adapter_keys.h"
#include "adapters/adapter_network.h"
#include "adapters/lycoris_config.h"
#include "train/dataset_mixer.h"
#include "train/ema.h"
#include "train/flow_loss.h"
#include "train/flow_matching.h"
#include "train/grad_clip.h"
#include "train/lr_schedule.h"
#include "train/optimizer_config.h"
#include "train/validation_hook.h"
#include "train/webhook_config.h"
#include "train/webhook_sink.h"

namespace reel {

struct TrainerSettings {
  std::filesystem::path output_dir;

  // The model.
  std::string base_model;  // as the user named it (model card, file metadata)
  std::string flavour;
  std::filesystem::path transformer;  // resolved local path
  std::string transformer_subfolder;  // "" = the pipeline's transformer/
  at::Device device = at::kCPU;
  at::ScalarType base_dtype = at::kFloat;     // the frozen weights
  at::ScalarType compute_dtype = at::kFloat;  // mixed_precision
  bool gradient_checkpointing = false;
  bool image_to_video = false;

  // The adapter.
  bool lycoris = false;
  LoraNetworkOptions lora;
  std::optional<LycorisConfig> lycoris_config;
  std::string lycoris_config_text;
  AdapterLayout layout = AdapterLayout::kComfyUI;

  // Optimisation.
  std::string optimizer = "adamw_bf16";
  OptimizerSettings optimizer_settings;
  LrScheduleConfig lr;
  int64_t gradient_accumulation_steps = 1;
  double max_grad_norm = 0;
  GradClipMethod grad_clip_method = GradClipMethod::kValue;
  FlowMatchingConfig flow;
  LossConfig loss;
  double caption_dropout_probability = 0.1;
  bool use_ema = false;
  EmaConfig ema;

  // The loop.
  uint64_t seed = 0;
  int64_t max_train_steps = 0;  // 0: num_train_epochs decides
  int64_t num_train_epochs = 1;
  DatasetSampling dataset_sampling = DatasetSampling::kAutoWeighting;
  int64_t checkpoint_step_interval = 0;  // 0: no intermediate checkpoints
  int64_t checkpoints_total_limit = 0;
  std::string resume_from_checkpoint;  // "", "latest", a name or a path
  std::string report_to = "none";
  std::vector<WebhookTarget> webhooks;  // webhook_config
  WebhookRun webhook_run;
  ValidationHook validation;  // no render function: no validation

  // Called after every optimizer step with the new global step (tests stop a run with it).
  std::function<void(int64_t)> on_step;
};

}  // namespace reel
