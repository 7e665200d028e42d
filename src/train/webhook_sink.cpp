#include "train/webhook_sink.h"

#include <ctime>
#include <exception>
#include <fstream>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/log.h"

namespace reel {
namespace {

using nlohmann::json;

const char* level_name(WebhookLevel level) {
  switch (level) {
    case WebhookLevel::kCritical:
      return "critical";
    case WebhookLevel::kError:
      return "error";
    case WebhookLevel::kWarning:
      return "warning";
    case WebhookLevel::kInfo:
      return "info";
    case WebhookLevel::kDebug:
      return "debug";
  }
  return "info";
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof(out), "%s.%06lld+00:00", buf, static_cast<long long>(micros));
  return out;
}

std::vector<std::pair<std::string, std::string>> auth_headers(const WebhookTarget& t) {
  if (t.auth_token.empty()) return {};
  return {{"X-API-Key", t.auth_token}};
}

std::string mime_of(const std::filesystem::path& path) {
  const auto ext = path.extension().string();
  if (ext == ".mp4") return "video/mp4";
  if (ext == ".gif") return "image/gif";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  return "image/png";
}

// multipart/form-data as Discord reads it: the text field, then file0..fileN.
std::string multipart_body(const std::string& boundary, const std::string& content,
                           const std::vector<std::filesystem::path>& media) {
  std::ostringstream body;
  body << "--" << boundary << "\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\n"
       << content << "\r\n";
  size_t index = 0;
  for (const auto& path : media) {
    if (index == 10) break;  // Discord's attachment limit
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      log::warn("webhook: cannot read ", path.string(), "; not attached");
      continue;
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    body << "--" << boundary << "\r\nContent-Disposition: form-data; name=\"file" << index
         << "\"; filename=\"" << path.filename().string() << "\"\r\nContent-Type: " << mime_of(path)
         << "\r\n\r\n"
         << bytes.str() << "\r\n";
    ++index;
  }
  body << "--" << boundary << "--\r\n";
  return body.str();
}

// Building a payload must not be able to end a run either.
void guarded(const char* what, const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    log::warn("webhook: could not prepare the ", what, " event: ", e.what());
  }
}

}  // namespace

WebhookSink::WebhookSink(std::vector<WebhookTarget> targets, WebhookRun run,
                         WebhookSenderOptions options)
    : targets_(std::move(targets)), run_(std::move(run)), sender_(std::move(options)) {}

void WebhookSink::emit(json event, WebhookLevel level) {
  if (run_.job_id.empty()) {
    if (!event.contains("job_id")) event["job_id"] = nullptr;
  } else {
    event["job_id"] = run_.job_id;
  }
  if (!event.contains("severity")) event["severity"] = level_name(level);
  if (!event.contains("timestamp")) event["timestamp"] = utc_timestamp();
  std::string body;
  for (const auto& t : targets_) {
    if (t.type != WebhookType::kRaw || !webhook_level_passes(level, t.log_level)) continue;
    // Strings from file names or prompts may hold invalid UTF-8; replace, never throw.
    if (body.empty()) body = event.dump(-1, ' ', false, json::error_handler_t::replace);
    sender_.post({t.url, "application/json", body, auth_headers(t), t.timeout_seconds, t.retries,
                  !t.ssl_no_verify});
  }
}

void WebhookSink::announce(const std::string& text, WebhookLevel level,
                           const std::vector<std::filesystem::path>& media) {
  for (const auto& t : targets_) {
    if (t.type != WebhookType::kDiscord || !webhook_level_passes(level, t.log_level)) continue;
    const std::string prefix =
        "`(" + (t.message_prefix ? *t.message_prefix : run_.project_name) + ")` ";
    const std::string boundary = "reel-webhook-boundary-7d1f2c";
    sender_.post({t.url, "multipart/form-data; boundary=" + boundary,
                  multipart_body(boundary, prefix + text, media), auth_headers(t),
                  t.timeout_seconds, t.retries, !t.ssl_no_verify});
  }
}

void WebhookSink::on_start(const WebhookStartInfo& info) {
  if (targets_.empty()) return;
  guarded("start", [&] {
    announce(info.summary, WebhookLevel::kInfo);
    emit(webhook_start_event(info), WebhookLevel::kInfo);
  });
}

void WebhookSink::on_progress(const WebhookProgressInfo& info) {
  if (targets_.empty()) return;
  guarded("progress", [&] {
    const int64_t every = std::max<int64_t>(1, run_.reporting_interval);
    if (info.step % every != 0) return;
    emit(webhook_progress_event(info), WebhookLevel::kInfo);
  });
}

void WebhookSink::on_checkpoint(const std::string& path, int64_t step) {
  if (targets_.empty()) return;
  guarded("checkpoint", [&] {
    announce("Checkpoint: `" + path + "` at step " + std::to_string(step), WebhookLevel::kInfo);
    emit(webhook_checkpoint_event(path, step), WebhookLevel::kInfo);
  });
}

void WebhookSink::on_validation_start(int64_t step) {
  if (targets_.empty()) return;
  guarded("validation start", [&] {
    announce("Validations are generating.. this might take a minute!", WebhookLevel::kInfo);
    json event = webhook_stage_event("validation", "Running Validation", "running",
                                     "Validation is starting.");
    event["data"] = {{"global_step", step}};
    emit(std::move(event), WebhookLevel::kInfo);
  });
}

void WebhookSink::on_validation(const WebhookValidationInfo& info) {
  if (targets_.empty()) return;
  guarded("validation", [&] {
    std::vector<std::filesystem::path> media = info.videos;
    media.insert(media.end(), info.images.begin(), info.images.end());
    announce("Validation video for `" +
                 (info.shortname.empty() ? std::string("(blank shortname)") : info.shortname) +
                 "`\nValidation prompt: `" +
                 (info.prompt.empty() ? std::string("(blank prompt)") : info.prompt) + "`",
             WebhookLevel::kInfo, media);
    emit(webhook_validation_event(info), WebhookLevel::kInfo);
  });
}

void WebhookSink::on_validation_preview(const WebhookPreviewInfo& info) {
  if (targets_.empty()) return;
  guarded("validation preview", [&] {
    if (std::optional<json> event = webhook_preview_event(info)) {
      emit(std::move(*event), WebhookLevel::kInfo);
    }
  });
}

void WebhookSink::on_validation_end(int64_t step) {
  if (targets_.empty()) return;
  guarded("validation end", [&] {
    json event = webhook_stage_event("validation", "Running Validation", "completed",
                                     "Validation completed.");
    event["data"] = {{"global_step", step}};
    emit(std::move(event), WebhookLevel::kInfo);
  });
}

void WebhookSink::on_error(const std::string& message) {
  if (targets_.empty()) return;
  guarded("error", [&] {
    announce("Failed to run training: " + message, WebhookLevel::kCritical);
    for (auto& event : webhook_error_events(message)) {
      emit(std::move(event), WebhookLevel::kCritical);
    }
  });
}

void WebhookSink::on_finish(const WebhookFinishInfo& info) {
  if (targets_.empty()) return;
  guarded("finish", [&] {
    announce("Training run complete. Model saved to `" + info.output_dir + "`",
             WebhookLevel::kInfo);
    emit(webhook_finish_event(info), WebhookLevel::kInfo);
  });
}

}  // namespace reel
