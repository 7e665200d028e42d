#include "data/captions.h"

#include <fstream>
#include <iterator>

namespace fs = std::filesystem;

namespace reel {
namespace {

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n\f\v";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

// Structure only (lead and continuation bytes); enough to refuse a Latin-1 or binary file.
bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int extra = c < 0x80             ? 0
                      : (c & 0xE0) == 0xC0 ? 1
                      : (c & 0xF0) == 0xE0 ? 2
                      : (c & 0xF8) == 0xF0 ? 3
                                           : -1;
    if (extra < 0 || i + extra >= s.size() + (extra == 0)) return false;
    for (int k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += 1 + extra;
  }
  return true;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = trim(text.substr(start, end - start));
    if (!line.empty()) lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

SampleCaptions from_textfile(const DatasetConfig& dataset, const fs::path& media_path) {
  SampleCaptions out;
  const fs::path txt = caption_file_for(media_path);
  std::ifstream in(txt, std::ios::binary);
  if (!in) {
    out.problem = "caption file " + txt.string() + " not found";
    return out;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);  // a BOM is not caption text
  if (!valid_utf8(text)) {
    out.problem = "caption file " + txt.string() + " is not UTF-8 text";
    return out;
  }
  if (!dataset.disable_multiline_split && text.find('\n') != std::string::npos) {
    out.captions = split_lines(text);
  } else if (std::string one = trim(text); !one.empty()) {
    out.captions.push_back(one);
  }
  if (out.captions.empty()) out.problem = "caption file " + txt.string() + " is empty";
  return out;
}

}  // namespace

fs::path caption_file_for(const fs::path& media_path) {
  fs::path txt = media_path;
  txt.replace_extension(".txt");
  return txt;
}

SampleCaptions read_captions(const DatasetConfig& dataset, const fs::path& media_path) {
  SampleCaptions out;
  switch (dataset.caption_strategy) {
    case CaptionStrategy::kInstancePrompt:
      for (const auto& p : dataset.instance_prompt) {
        if (std::string t = trim(p); !t.empty()) out.captions.push_back(t);
      }
      if (out.captions.empty())
        out.problem = "caption_strategy instanceprompt without an instance_prompt";
      return out;  // ST does not prepend an instance prompt to itself
    case CaptionStrategy::kFilename: {
      std::string stem = media_path.stem().string();
      for (char& c : stem) {
        if (c == '_') c = ' ';
      }
      stem = trim(stem);
      if (stem.empty()) {
        out.problem = "the file name " + media_path.filename().string() + " gives an empty caption";
        return out;
      }
      out.captions.push_back(stem);
      break;
    }
    case CaptionStrategy::kTextfile:
      out = from_textfile(dataset, media_path);
      if (!out.problem.empty()) return out;
      break;
  }
  if (dataset.prepend_instance_prompt && !dataset.instance_prompt.empty()) {
    std::vector<std::string> prefixed;
    for (const auto& prompt : dataset.instance_prompt) {
      for (const auto& c : out.captions) prefixed.push_back(prompt + " " + c);
    }
    out.captions = std::move(prefixed);
  }
  return out;
}

}  // namespace reel
