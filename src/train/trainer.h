// The training loop (design.md "train"): one optimizer step reads top to bottom —
//   for each micro-batch: choose a dataset, draw its next batch from the caches, draw noise
//   and sigmas, noisy input and velocity target, transformer forward with the adapter, loss,
//   backward;  then clip, optimizer step at the schedule's learning rate, EMA, metrics,
//   checkpoint.
// Everything random comes from generators that checkpoints save, and the dataset choice and
// LoRA dropout are functions of the step, so a run resumed from a checkpoint continues the
// exact loss curve of an uninterrupted one (on CPU: bit for bit).
//
//   TrainResult r = train(settings, prepared_caches, dataset_configs);
#pragma once

#include <cstdint>
#include <filesystem>

#include "data/prepare_caches.h"
#include "train/trainer_settings.h"

namespace reel {

struct TrainResult {
  int64_t global_step = 0;
  int64_t resumed_from = 0;       // 0: a fresh start
  bool stopped = false;           // Ctrl-C: a checkpoint was written and the run can resume
  std::filesystem::path adapter;  // the final adapter file (empty when stopped)
  std::filesystem::path last_checkpoint;
};

// Throws reel::Error for what makes the run impossible (no usable dataset, a checkpoint of
// another run, a model that does not load).
TrainResult train(const TrainerSettings& settings, const Preparation& prepared,
                  const DatasetConfigs& datasets);

}  // namespace reel
