// Finding a dataset's media files: every file under instance_data_dir, recursively, whose
// extension (any case) is one of the dataset's kind, sorted by relative path so that every
// run sees the same order. Hidden files and folders (".name") are skipped, and so are Reel's
// own files that may live there: the paths in `exclude` (the metadata file, a cache folder)
// and the temporary files of atomic writes ("*.tmp-XXXXXX"). Symbolic links are followed,
// each folder visited once.
//
//   auto files = discover_media(dir, MediaKind::kVideo, {metadata_path});
//   // "clips/a.mp4", "clips/b.MOV", "z.webm" (relative, '/'-separated)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "media/media_info.h"

namespace reel {

// Lower-case extensions without the dot.
const std::vector<std::string>& media_extensions(MediaKind kind);

// "mp4, mov, mkv, ..." for messages.
std::string extension_list(MediaKind kind);

// True when `path`'s extension, lower-cased, is one of `kind`'s.
bool has_media_extension(const std::filesystem::path& path, MediaKind kind);

// Relative '/'-separated paths of the media files under `root`, sorted bytewise. Throws
// reel::Error when `root` is not a folder. A folder that cannot be read is skipped with a
// warning.
std::vector<std::string> discover_media(const std::filesystem::path& root, MediaKind kind,
                                        const std::vector<std::filesystem::path>& exclude = {});

}  // namespace reel
