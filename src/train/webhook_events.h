// The JSON bodies of the events a run reports to `raw` webhooks, shaped as ST's structured
// events (helpers/webhooks/events.py, spec/validation.md §8), and the text lines `discord`
// webhooks get. WebhookSink adds job_id, severity and timestamp to every body.
//
//   training.status      start (progress label "Training initialisation") and every
//                        webhook_reporting_interval steps: progress {current, total, percent,
//                        eta_seconds, metrics {loss, learning_rate, epoch}}
//   training.checkpoint  {checkpoint {path, label, is_final}}
//   training.validation  {message, images: [base64 PNG...], videos: [{src: data URI,
//                        mime_type}...]} (media read from the files the validation wrote)
//   notification         an error: severity error, title "Fatal Error", data {status: error};
//                        followed by training.status {status: failed}
//   validation.image     a validation preview: {title, message, body, images: [data URI],
//                        data {step, resolution, validation_type, prompt, step_label}}
//   lifecycle.stage      {stage {key, label, status, progress}}: validation running/completed,
//                        and training_complete at the end
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace reel {

struct WebhookStartInfo {
  int64_t global_step = 0;  // > 0 when resuming
  int64_t max_train_steps = 0;
  int64_t num_epochs = 0;
  int64_t first_epoch = 1;
  int64_t total_num_batches = 0;
  int64_t total_batch_size = 0;  // with accumulation and processes
  int64_t micro_batch_size = 0;
  std::string summary;  // the console's "***** Running training *****" block
};

struct WebhookProgressInfo {
  int64_t step = 0;
  int64_t max_steps = 0;
  double loss = 0;
  double learning_rate = 0;
  int64_t epoch = 0;
  int64_t num_epochs = 0;
  std::optional<double> eta_seconds;
};

struct WebhookValidationInfo {
  int64_t step = 0;
  std::string shortname;  // the prompt's nickname
  std::string prompt;
  std::vector<std::filesystem::path> images;  // PNG files
  std::vector<std::filesystem::path> videos;  // MP4 files
};

// A preview of a validation video mid-sampling (validation_preview).
struct WebhookPreviewInfo {
  int64_t step = 0;  // the training step
  std::string shortname, prompt;
  std::string resolution;                    // "832x480"
  int64_t sampling_step = 0, num_steps = 0;  // 1-based
  std::filesystem::path image;               // PNG
};

struct WebhookFinishInfo {
  int64_t step = 0;
  int64_t epoch = 0;
  int64_t num_epochs = 0;
  double loss = 0;
  double learning_rate = 0;
  std::string output_dir;
};

nlohmann::json webhook_start_event(const WebhookStartInfo& info);
nlohmann::json webhook_progress_event(const WebhookProgressInfo& info);
nlohmann::json webhook_checkpoint_event(const std::string& path, int64_t step);
// Files that cannot be read are left out with one warning each.
nlohmann::json webhook_validation_event(const WebhookValidationInfo& info);
// status: running, completed, failed, skipped, cancelled (ST's stage statuses).
// type validation.image (spec/validation.md §8): title, message, body (the prompt), the
// image as a data URI in images, data {step, resolution, validation_type, prompt,
// step_label "i/N"}. Nothing when the image cannot be read (one warning).
std::optional<nlohmann::json> webhook_preview_event(const WebhookPreviewInfo& info);
nlohmann::json webhook_stage_event(const std::string& key, const std::string& label,
                                   const std::string& status, const std::string& message);
std::vector<nlohmann::json> webhook_error_events(const std::string& message);
nlohmann::json webhook_finish_event(const WebhookFinishInfo& info);

// ST's console and Discord progress line (spec/training.md §11), loss rounded to 4 places.
std::string webhook_step_line(const WebhookProgressInfo& info);

std::string base64_encode(const std::string& bytes);

}  // namespace reel
