#include "train/webhook_events.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/log.h"

namespace reel {
namespace {

using nlohmann::json;

bool read_file(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return static_cast<bool>(in) || in.eof();
}

double percent_of(int64_t current, int64_t total) {
  return total > 0 ? 100.0 * static_cast<double>(std::min(current, total)) / total : 0.0;
}

json training_status(const std::string& status) {
  // ST's title is the status with underscores as spaces, title-cased ("Running").
  std::string title = status;
  bool word_start = true;
  for (char& c : title) {
    if (c == '_') c = ' ';
    c = word_start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                   : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    word_start = c == ' ';
  }
  return json{{"type", "training.status"}, {"title", title}, {"data", {{"status", status}}}};
}

}  // namespace

std::string base64_encode(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n =
        (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t n = uint8_t(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

json webhook_start_event(const WebhookStartInfo& info) {
  json event = training_status("running");
  event["message"] = info.summary;
  event["progress"] = {
      {"label", "Training initialisation"},
      {"current", std::min(info.global_step, info.max_train_steps)},
      {"total", info.max_train_steps},
      {"percent", percent_of(info.global_step, info.max_train_steps)},
      {"metrics", {{"epoch", info.first_epoch}, {"total_epochs", info.num_epochs}}}};
  const int64_t remaining = std::max<int64_t>(0, info.max_train_steps - info.global_step);
  event["data"].update(json{{"total_num_batches", info.total_num_batches},
                            {"total_num_epochs", info.num_epochs},
                            {"total_num_steps", info.max_train_steps},
                            {"current_epoch", info.first_epoch},
                            {"total_batch_size", info.total_batch_size},
                            {"micro_batch_size", info.micro_batch_size},
                            {"global_step", info.global_step},
                            {"remaining_num_steps", remaining}});
  return event;
}

json webhook_progress_event(const WebhookProgressInfo& info) {
  json event = training_status("running");
  event["progress"] = {
      {"current", std::min(info.step, info.max_steps)},
      {"total", info.max_steps},
      {"percent", percent_of(info.step, info.max_steps)},
      {"metrics",
       {{"loss", info.loss}, {"learning_rate", info.learning_rate}, {"epoch", info.epoch}}}};
  if (info.eta_seconds) event["progress"]["eta_seconds"] = *info.eta_seconds;
  event["data"].update(json{
      {"final_epoch", info.num_epochs}, {"global_step", info.step}, {"current_epoch", info.epoch}});
  return event;
}

json webhook_checkpoint_event(const std::string& path, int64_t step) {
  const std::string label = "Checkpoint saved to " + path;
  return json{{"type", "training.checkpoint"},
              {"title", label},
              {"checkpoint", {{"path", path}, {"label", label}, {"is_final", false}}},
              {"data", {{"global_step", step}}}};
}

json webhook_validation_event(const WebhookValidationInfo& info) {
  json images = json::array();
  json videos = json::array();
  std::string bytes;
  for (const auto& path : info.images) {
    if (read_file(path, bytes)) {
      images.push_back(base64_encode(bytes));
    } else {
      log::warn("webhook: cannot read validation image ", path.string(), "; not sent");
    }
  }
  for (const auto& path : info.videos) {
    if (read_file(path, bytes)) {
      videos.push_back(
          {{"src", "data:video/mp4;base64," + base64_encode(bytes)}, {"mime_type", "video/mp4"}});
    } else {
      log::warn("webhook: cannot read validation video ", path.string(), "; not sent");
    }
  }
  const std::string name = info.shortname.empty() ? "(blank shortname)" : info.shortname;
  return json{
      {"type", "training.validation"},
      {"message", "Validation: " + info.shortname},
      {"title", "Validation: " + name},
      {"images", images},
      {"videos", videos},
      {"data",
       {{"global_step", info.step}, {"shortname", info.shortname}, {"prompt", info.prompt}}}};
}

std::optional<json> webhook_preview_event(const WebhookPreviewInfo& info) {
  std::string bytes;
  if (!read_file(info.image, bytes)) {
    log::warn("webhook: cannot read validation preview ", info.image.string(), "; not sent");
    return std::nullopt;
  }
  const std::string label =
      std::to_string(info.sampling_step) + "/" + std::to_string(info.num_steps);
  return json{{"type", "validation.image"},
              {"title", "Validation preview: " + info.shortname + " (" + label + ")"},
              {"message", "Validation preview " + label + " for " + info.shortname},
              {"body", info.prompt},
              {"images", json::array({"data:image/png;base64," + base64_encode(bytes)})},
              {"data",
               {{"step", info.step},
                {"global_step", info.step},
                {"resolution", info.resolution},
                {"validation_type", "intermediary"},
                {"prompt", info.prompt},
                {"shortname", info.shortname},
                {"step_label", label}}}};
}

json webhook_stage_event(const std::string& key, const std::string& label,
                         const std::string& status, const std::string& message) {
  json event{
      {"type", "lifecycle.stage"},
      {"stage",
       {{"key", key}, {"label", label}, {"status", status}, {"progress", {{"label", label}}}}}};
  if (!message.empty()) {
    event["message"] = message;
    event["title"] = message;
  }
  return event;
}

std::vector<json> webhook_error_events(const std::string& message) {
  json failure = training_status("failed");
  failure["message"] = "Training failed: " + message;
  failure["severity"] = "error";
  return {json{{"type", "notification"},
               {"severity", "error"},
               {"title", "Fatal Error"},
               {"message", "Failed to run training: " + message},
               {"data", {{"status", "error"}}}},
          failure};
}

json webhook_finish_event(const WebhookFinishInfo& info) {
  json event = webhook_stage_event("training_complete", "Training Complete", "completed",
                                   "Training run complete.");
  event["stage"]["progress"]["percent"] = 100;
  event["stage"]["progress"]["metrics"] = {{"loss", std::round(info.loss * 1e4) / 1e4},
                                           {"learning_rate", info.learning_rate},
                                           {"epoch", info.epoch}};
  event["data"] = {{"final_epoch", info.num_epochs},
                   {"global_step", info.step},
                   {"output_dir", info.output_dir}};
  return event;
}

std::string webhook_step_line(const WebhookProgressInfo& info) {
  std::ostringstream s;
  s << "Step " << info.step << " of " << info.max_steps << ": loss "
    << std::round(info.loss * 1e4) / 1e4 << ", lr " << info.learning_rate << ", epoch "
    << info.epoch << "/" << info.num_epochs;
  return s.str();
}

}  // namespace reel
