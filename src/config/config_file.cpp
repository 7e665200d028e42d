#include "config/config_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace reel {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

fs::path in_dir(const std::string& working_dir, const std::string& p) {
  fs::path path(p);
  return path.is_absolute() || working_dir.empty() ? path : fs::path(working_dir) / path;
}

// Replaces each {env:NAME} in `s`; a variable that is not set is an error.
std::string resolve_placeholders(const std::string& s, const EnvLookup& env, std::string* missing) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = s.find("{env:", pos);
    size_t close = open == std::string::npos ? open : s.find('}', open);
    if (close == std::string::npos) break;
    std::string name = s.substr(open + 5, close - open - 5);
    out += s.substr(pos, open - pos);
    auto value = env(name);
    if (!value && missing->empty()) *missing = name;
    out += value.value_or("");
    pos = close + 1;
  }
  return out + s.substr(pos);
}

void resolve_all(json& v, const EnvLookup& env, std::string* missing) {
  if (v.is_string()) {
    v = resolve_placeholders(v.get<std::string>(), env, missing);
  } else if (v.is_array() || v.is_object()) {
    for (auto& item : v) resolve_all(item, env, missing);
  }
}

}  // namespace

std::optional<std::string> find_config_file(const EnvLookup& env, const std::string& working_dir,
                                            Diagnostics& diags) {
  if (auto from_env = env("CONFIG_PATH"); from_env && !from_env->empty()) {
    fs::path p = in_dir(working_dir, *from_env);
    if (fs::is_directory(p)) p /= "config.json";
    if (fs::is_regular_file(p)) return p.string();
    diags.push_back({Severity::kError, "env CONFIG_PATH", "",
                     "config file " + p.string() + " does not exist", ""});
    return std::nullopt;
  }
  if (auto name = env("ENV"); name && !name->empty()) {
    fs::path p = in_dir(working_dir, "config/" + *name + "/config.json");
    if (fs::is_regular_file(p)) return p.string();
  }
  fs::path p = in_dir(working_dir, "config/config.json");
  if (fs::is_regular_file(p)) return p.string();
  return std::nullopt;
}

std::vector<RawSetting> read_config_file(const std::string& path, const EnvLookup& env,
                                         Diagnostics& diags) {
  std::vector<RawSetting> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.push_back({Severity::kError, path, "", "cannot read the config file", ""});
    return out;
  }
  std::stringstream text;
  text << in.rdbuf();
  json doc;
  try {
    doc = json::parse(text.str());
  } catch (const json::parse_error& e) {
    diags.push_back({Severity::kError, path, "", std::string("not valid JSON: ") + e.what(), ""});
    return out;
  }
  if (!doc.is_object()) {
    diags.push_back(
        {Severity::kError, path, "", "expected a JSON object of options at the top level", ""});
    return out;
  }
  for (auto& [raw_key, value] : doc.items()) {
    RawSetting s;
    s.key = raw_key.substr(std::min(raw_key.find_first_not_of('-'), raw_key.size()));
    s.value = value;
    s.source = {SourceKind::kFile, path};
    std::string missing;
    resolve_all(s.value, env, &missing);
    if (!missing.empty()) {
      diags.push_back({Severity::kError, path, s.key,
                       "placeholder {env:" + missing + "} names an unset environment variable",
                       ""});
      continue;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace reel
