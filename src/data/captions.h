// The captions of one sample (spec/dataloader.md §4, ST's prompts.py:PromptHandler):
//   filename        the file's stem, '_' -> ' '            ("a_red_fox.mp4" -> "a red fox")
//   textfile        "<path without extension>.txt", UTF-8; with several lines (and
//                   disable_multiline_split off) each non-empty line is one caption
//   instanceprompt  the instance_prompt list
// prepend_instance_prompt puts "<instance_prompt> " before each filename/textfile caption
// (before each of them for every instance prompt, when there are several). Every caption
// is trimmed of surrounding whitespace: a text file's final newline or "\r\n" line ends are
// editor artefacts, not caption text (ST keeps them).
//
// A sample with no usable caption is not an exception but a skipped file: `problem` says why
// and names the text file that was expected.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/dataset_config.h"

namespace reel {

struct SampleCaptions {
  std::vector<std::string> captions;  // non-empty when problem is empty
  std::string problem;                // "caption file clips/a.txt not found", ...
};

// The text file a textfile-captioned sample reads: its path with the extension replaced.
std::filesystem::path caption_file_for(const std::filesystem::path& media_path);

// `media_path` is the sample's file as found on disk.
SampleCaptions read_captions(const DatasetConfig& dataset, const std::filesystem::path& media_path);

}  // namespace reel
