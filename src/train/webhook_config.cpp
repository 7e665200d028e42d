#include "train/webhook_config.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace reel {
namespace {

namespace fs = std::filesystem;

bool looks_like_json(const std::string& text) {
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    return c == '{' || c == '[';
  }
  return false;
}

// Where an error points: the file the JSON came from, or the option itself.
struct Source {
  std::string file;
  std::string key_prefix;  // "webhook_config" or "webhook_config[1]"

  Error error(const std::string& key, const std::string& message) const {
    Error e(message);
    if (!file.empty()) e.file(file);
    e.key(key.empty() ? key_prefix : key_prefix + "." + key);
    return e;
  }
};

std::string text_field(const nlohmann::json& entry, const char* key, const Source& src) {
  const auto& v = entry.at(key);
  if (!v.is_string()) {
    throw src.error(key, std::string(key) + " must be a string, got " + v.dump());
  }
  return v.get<std::string>();
}

std::string checked_url(const nlohmann::json& entry, const char* key, const char* type,
                        const Source& src) {
  if (!entry.contains(key) || entry.at(key).is_null() ||
      (entry.at(key).is_string() && entry.at(key).get<std::string>().empty())) {
    throw src.error(key, std::string("a \"") + type + "\" webhook needs " + key)
        .hint(std::string("add \"") + key + "\": \"http://host:port/path\"");
  }
  std::string url = text_field(entry, key, src);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    throw src.error(key, "\"" + url + "\" is not an http(s) URL")
        .hint("write it as http://host:port/path or https://host/path");
  }
  return url;
}

WebhookTarget parse_entry(const nlohmann::json& entry, const Source& src) {
  if (!entry.is_object()) {
    throw src.error("", "each webhook backend must be a JSON object, got " + entry.dump());
  }
  if (!entry.contains("webhook_type")) {
    throw src.error("webhook_type", "webhook_type is missing")
        .hint("set \"webhook_type\" to \"raw\" or \"discord\"");
  }
  WebhookTarget t;
  const std::string type = text_field(entry, "webhook_type", src);
  if (type == "raw") {
    t.type = WebhookType::kRaw;
    t.url = checked_url(entry, "callback_url", "raw", src);
  } else if (type == "discord") {
    t.type = WebhookType::kDiscord;
    t.url = checked_url(entry, "webhook_url", "discord", src);
  } else {
    throw src.error("webhook_type", "unknown webhook_type \"" + type + "\"")
        .hint("supported values: raw, discord");
  }
  if (entry.contains("message_prefix") && !entry.at("message_prefix").is_null()) {
    t.message_prefix = text_field(entry, "message_prefix", src);
  }
  if (entry.contains("log_level") && !entry.at("log_level").is_null()) {
    try {
      t.log_level = parse_webhook_level(text_field(entry, "log_level", src));
    } catch (const Error& e) {
      throw src.error("log_level", e.message()).hint(e.hint());
    }
  }
  if (entry.contains("ssl_no_verify")) {
    const auto& v = entry.at("ssl_no_verify");
    if (!v.is_boolean()) throw src.error("ssl_no_verify", "must be true or false");
    t.ssl_no_verify = v.get<bool>();
  }
  if (const char* env = std::getenv("SIMPLETUNER_SSL_NO_VERIFY")) {
    std::string value(env);
    for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (value == "true") t.ssl_no_verify = true;
  }
  if (entry.contains("auth_token") && !entry.at("auth_token").is_null()) {
    t.auth_token = text_field(entry, "auth_token", src);
  }
  if (entry.contains("timeout")) {
    const auto& v = entry.at("timeout");
    if (!v.is_number() || v.get<double>() <= 0) {
      throw src.error("timeout", "timeout must be a positive number of seconds, got " + v.dump());
    }
    t.timeout_seconds = v.get<double>();
  }
  if (entry.contains("retries")) {
    const auto& v = entry.at("retries");
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 10) {
      throw src.error("retries", "retries must be an integer from 0 to 10, got " + v.dump());
    }
    t.retries = v.get<int>();
  }
  return t;
}

std::vector<WebhookTarget> parse_json(const nlohmann::json& value, const std::string& file) {
  std::vector<WebhookTarget> targets;
  if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      targets.push_back(
          parse_entry(value[i], Source{file, "webhook_config[" + std::to_string(i) + "]"}));
    }
  } else {
    targets.push_back(parse_entry(value, Source{file, "webhook_config"}));
  }
  return targets;
}

}  // namespace

WebhookLevel parse_webhook_level(const std::string& name) {
  if (name == "critical") return WebhookLevel::kCritical;
  if (name == "error") return WebhookLevel::kError;
  if (name == "warning") return WebhookLevel::kWarning;
  if (name == "info") return WebhookLevel::kInfo;
  if (name == "debug") return WebhookLevel::kDebug;
  throw Error("unknown log level \"" + name + "\"")
      .hint("use one of critical, error, warning, info, debug");
}

std::vector<WebhookTarget> parse_webhook_config(const nlohmann::json& value,
                                                const fs::path& working_dir) {
  if (value.is_null()) return {};
  if (!value.is_string()) return parse_json(value, "");
  const std::string text = value.get<std::string>();
  if (looks_like_json(text)) {
    nlohmann::json parsed;
    try {
      parsed = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(std::string("inline JSON does not parse: ") + e.what()).key("webhook_config");
    }
    return parse_json(parsed, "");
  }
  fs::path path(text);
  if (path.is_relative() && !working_dir.empty()) path = working_dir / path;
  std::ifstream in(path);
  if (!in) {
    throw Error("cannot read the webhook config file")
        .file(path.string())
        .key("webhook_config")
        .hint("check the path; it is relative to the folder of config.json");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(std::string("not valid JSON: ") + e.what()).file(path.string());
  }
  return parse_json(parsed, path.string());
}

}  // namespace reel
