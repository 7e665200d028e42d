#include "support/safetensors_header.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>

namespace reel::test {

std::map<std::string, HeaderEntry> read_safetensors_header(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  std::string header(n, '\0');
  in.read(header.data(), static_cast<std::streamsize>(n));
  if (!in) throw std::runtime_error("short read of " + file.string());
  std::map<std::string, HeaderEntry> entries;
  const auto json = nlohmann::json::parse(header);
  for (const auto& [name, v] : json.items()) {
    if (name == "__metadata__") continue;
    entries[name] = {v["dtype"].get<std::string>(), v["shape"].get<std::vector<int64_t>>()};
  }
  return entries;
}

}  // namespace reel::test
