// Where a model named in the config is on this machine. `pretrained_model_name_or_path` and
// friends hold either a folder or file, or a Hugging Face repository id ("Wan-AI/Wan2.1-T2V-
// 1.3B-Diffusers"). Reel never downloads: an id is looked up in the local Hugging Face cache
// ($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), where other tools (and
// `huggingface-cli download`) put it.
#pragma once

#include <filesystem>
#include <string>

namespace reel {

// An existing path as it is; else the cached snapshot of the repository id (the one
// refs/main points at, else the newest). Throws reel::Error naming `option` and the value,
// with the command that downloads it, when it is neither.
std::filesystem::path resolve_model_source(const std::string& name_or_path,
                                           const std::string& option);

}  // namespace reel
