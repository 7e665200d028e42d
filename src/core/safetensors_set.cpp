#include "core/safetensors_set.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/log.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kIndexSuffix = ".safetensors.index.json";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

json read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read the file").file(path.string());
  std::stringstream text;
  text << in.rdbuf();
  try {
    return json::parse(text.str());
  } catch (const json::exception& e) {
    std::string what = e.what();
    auto close = what.find("] ");
    throw Error("not valid JSON: " + (close == std::string::npos ? what : what.substr(close + 2)))
        .file(path.string());
  }
}

}  // namespace

SafetensorsSet SafetensorsSet::open(const fs::path& path) {
  SafetensorsSet set;
  set.path_ = path;
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) {
    throw Error("does not exist")
        .file(path.string())
        .hint("give a .safetensors file, a *.safetensors.index.json or a folder holding them");
  }

  if (fs::is_directory(status)) {
    std::vector<fs::path> indexes, files;
    for (const fs::directory_entry& entry : fs::directory_iterator(path)) {
      std::string name = entry.path().filename().string();
      if (!entry.is_regular_file()) continue;
      if (ends_with(name, kIndexSuffix)) indexes.push_back(entry.path());
      if (ends_with(name, ".safetensors")) files.push_back(entry.path());
    }
    std::sort(indexes.begin(), indexes.end());
    if (indexes.size() > 1) {
      std::string names;
      for (const fs::path& p : indexes)
        names += (names.empty() ? "" : ", ") + p.filename().string();
      throw Error("the folder holds several indexes (" + names + ")")
          .file(path.string())
          .hint("open the index you mean instead of the folder");
    }
    if (indexes.size() == 1) {
      set.open_index(indexes.front());
    } else if (!files.empty()) {
      set.open_files(std::move(files));
    } else {
      throw Error("no *" + kIndexSuffix + " and no *.safetensors file in this folder")
          .file(path.string());
    }
  } else if (ends_with(path.filename().string(), ".json")) {
    set.open_index(path);
  } else {
    set.open_files({path});
  }
  return set;
}

void SafetensorsSet::open_index(const fs::path& index) {
  const std::string index_file = index.string();
  json root = read_json(index);
  if (!root.is_object()) throw Error("the index is not a JSON object").file(index_file);

  if (root.contains("metadata") && !root["metadata"].is_null()) {
    const json& meta = root["metadata"];
    if (!meta.is_object()) {
      throw Error("\"metadata\" is not an object").file(index_file).key("metadata");
    }
    std::map<std::string, std::string> strings;
    for (const auto& [k, v] : meta.items())
      strings[k] = v.is_string() ? v.get<std::string>() : v.dump();
    merge_metadata(strings);
  }

  if (!root.contains("weight_map") || !root["weight_map"].is_object()) {
    throw Error("missing the \"weight_map\" object that maps each tensor to its shard file")
        .file(index_file);
  }
  std::map<std::string, std::string> weight_map;  // tensor -> shard file name
  std::set<std::string> shard_names;
  for (const auto& [name, shard] : root["weight_map"].items()) {
    if (!shard.is_string() || shard.get<std::string>().empty()) {
      throw Error("the weight_map entry is not a file name").file(index_file).key(name);
    }
    weight_map.emplace(name, shard.get<std::string>());
    shard_names.insert(shard.get<std::string>());
  }

  const fs::path dir = index.parent_path();
  for (const std::string& shard : shard_names) {
    fs::path file = dir / shard;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      throw Error("the shard " + file.string() + " that the index lists does not exist")
          .file(index_file)
          .hint("download the missing shard, or every file of the checkpoint again");
    }
    add_shard(file);
  }

  for (const auto& [name, shard] : weight_map) {
    auto it = index_.find(name);
    fs::path expected = dir / shard;
    if (it == index_.end()) {
      throw Error("the index puts this tensor in " + expected.string() + ", which does not hold it")
          .file(index_file)
          .key(name)
          .hint("the index and the shards come from different checkpoints; download them again");
    }
    const fs::path& actual = files_[it->second.shard];
    if (actual != expected) {
      throw Error("the index puts this tensor in " + expected.string() + ", but it is in " +
                  actual.string())
          .file(index_file)
          .key(name);
    }
  }
  for (const TensorInfo& t : tensors_) {
    if (!weight_map.count(t.name)) {
      log::warn("tensor '", t.name, "' in ", files_[index_.at(t.name).shard].string(),
                " is not in the index ", index_file);
    }
  }
}

void SafetensorsSet::open_files(std::vector<fs::path> files) {
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) add_shard(f);
}

void SafetensorsSet::add_shard(const fs::path& file) {
  SafetensorsFile shard = SafetensorsFile::open(file);
  const size_t shard_index = shards_.size();
  for (const TensorInfo& t : shard.tensors()) {
    auto it = index_.find(t.name);
    if (it != index_.end()) {
      throw Error("the tensor is in two files: " + files_[it->second.shard].string() + " and " +
                  file.string())
          .file(path_.string())
          .key(t.name)
          .hint("a checkpoint stores each tensor once; remove the stray file from the folder");
    }
    index_.emplace(t.name, Location{shard_index, tensors_.size()});
    tensors_.push_back(t);
  }
  merge_metadata(shard.metadata());
  files_.push_back(file);
  shards_.push_back(std::move(shard));
}

void SafetensorsSet::merge_metadata(const std::map<std::string, std::string>& metadata) {
  for (const auto& [k, v] : metadata) {
    auto [it, inserted] = metadata_.emplace(k, v);
    if (!inserted && it->second != v) {
      log::debug("metadata '", k, "' differs between files of ", path_.string(),
                 "; keeping the first value");
    }
  }
}

const SafetensorsSet::Location& SafetensorsSet::locate(const std::string& name) const {
  auto it = index_.find(name);
  if (it != index_.end()) return it->second;
  throw Error("no such tensor in " + std::to_string(files_.size()) +
              (files_.size() == 1 ? " file" : " files"))
      .file(path_.string())
      .key(name);
}

bool SafetensorsSet::contains(const std::string& name) const {
  return index_.count(name) != 0;
}

const TensorInfo& SafetensorsSet::info(const std::string& name) const {
  return tensors_[locate(name).tensor];
}

at::Tensor SafetensorsSet::tensor(const std::string& name) const {
  return shards_[locate(name).shard].tensor(name);
}

const SafetensorsFile& SafetensorsSet::shard_of(const std::string& name) const {
  return shards_[locate(name).shard];
}

}  // namespace reel
