#include "core/json_file.h"

#include <nlohmann/json.hpp>

#include <fstream>

#include "core/error.h"

namespace reel {

nlohmann::json read_json_object(const std::filesystem::path& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read " + what).file(path.string());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(std::string("not valid JSON: ") + e.what()).file(path.string());
  }
  if (!j.is_object()) {
    throw Error("not a JSON object").file(path.string()).hint("is the file complete?");
  }
  return j;
}

}  // namespace reel
