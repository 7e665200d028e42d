// Reads a safetensors header with nothing but nlohmann-json, so tests can check Reel's reader
// and the tools built on it against an independent reading of the same file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace reel::test {

struct HeaderEntry {
  std::string dtype;
  std::vector<int64_t> shape;
};

std::map<std::string, HeaderEntry> read_safetensors_header(const std::filesystem::path& file);

}  // namespace reel::test
