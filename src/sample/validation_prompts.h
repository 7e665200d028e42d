// The prompts validation renders (spec/validation.md §6): `validation_prompt` under the
// nickname "validation", then every entry of the `user_prompt_library` JSON file, whose
// nicknames become file names.
//
//   std::vector<ValidationPrompt> p = validation_prompts("a cat", "prompts.json");
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace reel {

struct ValidationPrompt {
  std::string shortname;  // safe as a file name
  std::string prompt;
};

// A nickname as a file name: '/', '\\', '<', '>', ':', '"', '|', '?', '*', control characters
// and leading dots become '_'; an empty result is "prompt".
std::string prompt_file_name(const std::string& nickname);

// {nickname: "prompt"} or {nickname: {"prompt": "...", ...}}, by nickname; entries with an
// empty nickname or prompt are skipped. Throws reel::Error naming the file and the entry for a
// missing or unparsable file or an entry of another type.
std::vector<ValidationPrompt> read_prompt_library(const std::filesystem::path& path);

// validation_prompt (when not empty) then the library's entries (when a path is given).
// Nicknames that end up equal after prompt_file_name get "_2", "_3", ... so that no video
// overwrites another.
std::vector<ValidationPrompt> validation_prompts(const std::string& validation_prompt,
                                                 const std::filesystem::path& library);

}  // namespace reel
