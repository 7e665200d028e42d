#include "sample/validation_prompts.h"

#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/json_file.h"

namespace reel {

std::string prompt_file_name(const std::string& nickname) {
  std::string out;
  bool leading = true;  // leading dots would hide the file
  for (char c : nickname) {
    leading = leading && c == '.';
    const bool unsafe = static_cast<unsigned char>(c) < 0x20 ||
                        std::string("/\\<>:\"|?*").find(c) != std::string::npos;
    out += unsafe || leading ? '_' : c;
  }
  return out.empty() ? "prompt" : out;
}

std::vector<ValidationPrompt> read_prompt_library(const std::filesystem::path& path) {
  const nlohmann::json j = read_json_object(path, "the user_prompt_library");
  std::vector<ValidationPrompt> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string prompt;
    if (it->is_string()) {
      prompt = it->get<std::string>();
    } else if (it->is_object() && it->contains("prompt") && (*it)["prompt"].is_string()) {
      prompt = (*it)["prompt"].get<std::string>();
    } else {
      throw Error("entry '" + it.key() + "' is neither a prompt nor an object with a \"prompt\"")
          .file(path.string())
          .key("user_prompt_library")
          .hint("write {\"nickname\": \"the prompt\", ...}");
    }
    if (it.key().empty() || prompt.empty()) continue;
    out.push_back({it.key(), prompt});
  }
  return out;
}

std::vector<ValidationPrompt> validation_prompts(const std::string& validation_prompt,
                                                 const std::filesystem::path& library) {
  std::vector<ValidationPrompt> all;
  if (!validation_prompt.empty()) all.push_back({"validation", validation_prompt});
  if (!library.empty()) {
    for (ValidationPrompt& p : read_prompt_library(library)) all.push_back(std::move(p));
  }
  std::set<std::string> used;
  for (ValidationPrompt& p : all) {
    const std::string base = prompt_file_name(p.shortname);
    p.shortname = base;
    for (int n = 2; !used.insert(p.shortname).second; ++n) {
      p.shortname = base + "_" + std::to_string(n);
    }
  }
  return all;
}

}  // namespace reel
