// Cache keys: a short hex digest of everything that produced a cache entry (the source file's
// identity, the model, the size and frames, the crop), so that an entry made from anything
// else is recognised as stale and rebuilt (design.md, "Caches are keyed ...").
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace reel {

// 32 hex digits (XXH3-128) of the parts, each length-prefixed so that ("ab","c") and
// ("a","bc") differ.
std::string cache_key(const std::vector<std::string>& parts);

// The identity of a model's weights for a key: every weights file under `path` (or `path`
// itself) by name, size and mtime, digested. Cheap: nothing is read but the directory.
std::string model_identity(const std::filesystem::path& path);

}  // namespace reel
