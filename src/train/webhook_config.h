// The `webhook_config` option (spec/validation.md §8): where a run reports its progress. ST
// accepts a path to a JSON file, the JSON inline, one object or a list of objects (one
// backend each); Reel reads the same.
//
//   {"webhook_type": "raw", "callback_url": "http://127.0.0.1:8001/hook", "log_level": "info"}
//
// Keys: webhook_type (`raw` | `discord`, required), callback_url (raw) / webhook_url
// (discord), message_prefix, log_level (critical, error, warning, info, debug), ssl_no_verify,
// auth_token (sent as `X-API-Key`). Reel adds two optional keys ST does not have:
// `timeout` (seconds per attempt, default 5 as ST's requests call) and `retries` (extra
// attempts after a connection error or a 5xx/429 answer, default 2). Other keys are ignored,
// as ST ignores them.
// ssl_no_verify is also set by the environment's SIMPLETUNER_SSL_NO_VERIFY=true, as in ST.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace reel {

enum class WebhookType { kRaw, kDiscord };

// Ordered as ST's `log_levels`: a backend at level L receives messages of level <= L.
enum class WebhookLevel { kCritical = 0, kError = 1, kWarning = 2, kInfo = 3, kDebug = 4 };

struct WebhookTarget {
  WebhookType type = WebhookType::kRaw;
  std::string url;
  // The user's prefix, unwrapped; empty optional: "project run" is used (WebhookSink).
  std::optional<std::string> message_prefix;
  WebhookLevel log_level = WebhookLevel::kInfo;
  bool ssl_no_verify = false;  // https without checking the server certificate
  std::string auth_token;
  double timeout_seconds = 5.0;
  int retries = 2;
};

// `value` is the option as the config loader holds it: a string (a file path, or JSON text
// when it starts with '{' or '['), an object or an array of objects. A relative path is
// resolved against `working_dir`. Errors name the file (or "webhook_config") and the key.
std::vector<WebhookTarget> parse_webhook_config(const nlohmann::json& value,
                                                const std::filesystem::path& working_dir = {});

// "critical", "error", "warning", "info", "debug"; anything else throws reel::Error.
WebhookLevel parse_webhook_level(const std::string& name);

inline bool webhook_level_passes(WebhookLevel message, WebhookLevel backend) {
  return static_cast<int>(message) <= static_cast<int>(backend);
}

}  // namespace reel
