// The checkpoint folders of a run: `output_dir/checkpoint-<step>/`, written under a temporary
// name and renamed when complete (core/atomic_file.h AtomicDirectory), so a folder with this
// name is always whole. Picks what `resume_from_checkpoint` names and removes the oldest
// beyond `checkpoints_total_limit`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace reel {

struct CheckpointFolder {
  int64_t step = 0;
  std::filesystem::path path;
};

// Every complete checkpoint-<step> folder, by step; temporary folders are ignored.
std::vector<CheckpointFolder> list_checkpoints(const std::filesystem::path& output_dir);

// `output_dir/checkpoint-<step>`.
std::filesystem::path checkpoint_path(const std::filesystem::path& output_dir, int64_t step);

// resume_from_checkpoint: "" or "none" → nullopt; "latest" → the newest (nullopt when there
// is none: a fresh start); a folder path, or a name inside output_dir. Throws reel::Error
// naming the value when it names a folder that does not exist.
std::optional<CheckpointFolder> resolve_resume(const std::filesystem::path& output_dir,
                                               const std::string& resume_from_checkpoint);

// Removes the oldest checkpoints so that at most `limit` remain (limit <= 0: keep all).
// Returns the removed folders.
std::vector<std::filesystem::path> rotate_checkpoints(const std::filesystem::path& output_dir,
                                                      int64_t limit);

}  // namespace reel
