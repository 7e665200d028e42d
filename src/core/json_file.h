// Reads a JSON file that must hold an object (a model's config.json, a processor config),
// with errors that name the file and say what is wrong.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <string>

namespace reel {

// `what` names the file in the "cannot read" error, e.g. "the VAE config".
nlohmann::json read_json_object(const std::filesystem::path& path, const std::string& what);

}  // namespace reel
