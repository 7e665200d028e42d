// The trainer's webhook sink: turns run events into POSTs to every configured backend
// (webhook_config.h) through one background WebhookSender. Every call returns at once and
// never throws; a failing webhook costs a warning, never the run.
//
//   WebhookSink hooks(parse_webhook_config(cfg.at("webhook_config"), config_dir),
//                     {job_id, project + " " + run_name, reporting_interval});
//   hooks.on_start(start);  ...  hooks.on_progress(p);  ...  hooks.on_finish(f);
//   hooks.flush(std::chrono::steady_clock::now() + std::chrono::seconds(10));
//
// `raw` backends get the structured JSON events of webhook_events.h with job_id, severity
// and an ISO-8601 UTC timestamp added, and the `X-API-Key` header when auth_token is set.
// `discord` backends get a multipart form {content: prefix + text} with the validation
// media attached (at most 10 files); they hear of start, checkpoints, validation, errors
// and the finish, not of every progress step. Each backend drops events above its log_level
// (start, progress, checkpoint, validation, finish: info; errors: critical).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "train/webhook_config.h"
#include "train/webhook_events.h"
#include "train/webhook_sender.h"

namespace reel {

struct WebhookRun {
  std::string job_id;              // empty: sent as null
  std::string project_name;        // "<tracker_project_name> <tracker_run_name>"
  int64_t reporting_interval = 1;  // webhook_reporting_interval; progress on multiples
};

class WebhookSink {
 public:
  WebhookSink(std::vector<WebhookTarget> targets, WebhookRun run,
              WebhookSenderOptions options = {});

  bool empty() const { return targets_.empty(); }

  void on_start(const WebhookStartInfo& info);
  void on_progress(const WebhookProgressInfo& info);  // skipped off the reporting interval
  void on_checkpoint(const std::string& path, int64_t step);
  void on_validation_start(int64_t step);
  void on_validation(const WebhookValidationInfo& info);       // one per prompt
  void on_validation_preview(const WebhookPreviewInfo& info);  // raw backends only
  void on_validation_end(int64_t step);
  void on_error(const std::string& message);
  void on_finish(const WebhookFinishInfo& info);

  // Waits for pending deliveries until `deadline`; true when all were sent or given up.
  bool flush(std::chrono::steady_clock::time_point deadline) { return sender_.flush(deadline); }
  WebhookSenderStats stats() const { return sender_.stats(); }

 private:
  void emit(nlohmann::json event, WebhookLevel level);
  void announce(const std::string& text, WebhookLevel level,
                const std::vector<std::filesystem::path>& media = {});

  std::vector<WebhookTarget> targets_;
  WebhookRun run_;
  WebhookSender sender_;
};

}  // namespace reel
