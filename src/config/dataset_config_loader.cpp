#include "config/dataset_config_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/dataset_entry_parser.h"
#include "config/did_you_mean.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Entries = std::vector<ParsedDatasetEntry>;

void add(Diagnostics& diags, Severity severity, const std::string& where, const std::string& key,
         const std::string& message, const std::string& hint = "") {
  diags.push_back({severity, where, key, message, hint});
}

std::string entry_list(const std::vector<ParsedDatasetEntry*>& entries) {
  std::string out;
  for (const auto* e : entries) {
    out += (out.empty() ? "'" : ", '") + e->config.id + "' (entry " +
           std::to_string(e->config.index + 1) + ")";
  }
  return out;
}

std::string with_article(const std::string& word) {
  return (std::string("aeiou").find(word[0]) == std::string::npos ? "a " : "an ") + word;
}

bool joins_rules(const ParsedDatasetEntry& e) {
  return e.usable && !e.config.disabled;
}

void check_unique_ids(const Entries& entries, Diagnostics& diags) {
  std::map<std::string, const ParsedDatasetEntry*> first;
  for (const auto& e : entries) {
    if (!joins_rules(e)) continue;
    auto [it, fresh] = first.emplace(e.config.id, &e);
    if (fresh) continue;
    add(diags, Severity::kError, e.where, "id",
        "id '" + e.config.id + "' is used by entries " +
            std::to_string(it->second->config.index + 1) + " and " +
            std::to_string(e.config.index + 1) + "; ids must be unique",
        "the id names the dataset's cache and metadata files");
  }
}

// Exactly one text_embeds entry is the default; a lone one without `default` is taken as it,
// with ST's warning (factory.py: configure_text_embed_backends).
void resolve_default_text_embeds(Entries& entries, const std::string& source, Diagnostics& diags) {
  std::vector<ParsedDatasetEntry*> candidates, defaults;
  for (auto& e : entries) {
    if (!joins_rules(e) || e.config.dataset_type != DatasetType::kTextEmbeds) continue;
    candidates.push_back(&e);
    if (e.config.is_default) defaults.push_back(&e);
  }
  const std::string fix = "set \"default\": true on exactly one text_embeds entry";
  if (candidates.empty()) {
    add(diags, Severity::kError, source, "dataset_type",
        "no enabled text_embeds entry: one is needed to cache the captions' text embeddings",
        "add {\"id\": \"text-embeds\", \"type\": \"local\", \"dataset_type\": \"text_embeds\", "
        "\"default\": true, \"cache_dir\": \"cache/text\"}");
  } else if (defaults.empty() && candidates.size() == 1) {
    ParsedDatasetEntry& only = *candidates[0];
    only.config.is_default = true;
    add(diags, Severity::kWarning, only.where, "default",
        "no text_embeds entry sets \"default\": true; using '" + only.config.id +
            "', the only one, as SimpleTuner does");
  } else if (defaults.empty()) {
    add(diags, Severity::kError, source, "default",
        std::to_string(candidates.size()) +
            " text_embeds entries and none sets \"default\": true; candidates: " +
            entry_list(candidates),
        fix);
  } else if (defaults.size() > 1) {
    add(diags, Severity::kError, source, "default",
        std::to_string(defaults.size()) +
            " text_embeds entries set \"default\": true: " + entry_list(defaults),
        fix);
  }
}

// Checks that `id`, given as `key` of `from`, names an enabled entry of dataset type `want`.
void check_reference(const Entries& entries, const ParsedDatasetEntry& from, const std::string& key,
                     const std::string& id, DatasetType want, Diagnostics& diags) {
  std::vector<std::string> of_type;
  const ParsedDatasetEntry* enabled = nullptr;
  const ParsedDatasetEntry* disabled = nullptr;
  for (const auto& e : entries) {
    if (!e.usable) continue;
    if (!e.config.disabled && e.config.dataset_type == want) of_type.push_back(e.config.id);
    if (e.config.id != id) continue;
    if (!e.config.disabled && !enabled) enabled = &e;
    if (e.config.disabled && !disabled) disabled = &e;
  }
  if (enabled && enabled->config.dataset_type == want) return;

  std::string problem;
  if (enabled) {
    problem = "is " + with_article(to_string(enabled->config.dataset_type)) + " entry, not " +
              with_article(to_string(want)) + " entry";
  } else if (disabled) {
    problem = "is disabled";
  } else {
    problem = "is not the id of any entry";
  }
  std::string existing = of_type.empty()
                             ? std::string("there is no enabled ") + to_string(want) + " entry"
                             : std::string("enabled ") + to_string(want) + " entries: ";
  for (size_t i = 0; i < of_type.size(); ++i) existing += (i ? ", '" : "'") + of_type[i] + "'";
  std::string match = closest_match(id, of_type);
  add(diags, Severity::kError, from.where, key,
      key + " names '" + id + "', which " + problem + "; " + existing,
      match.empty() ? "" : "did you mean '" + match + "'?");
}

void resolve_references(Entries& entries, const DatasetDefaults& defaults, Diagnostics& diags) {
  const DatasetConfig* fallback_text = nullptr;
  for (const auto& e : entries) {
    if (joins_rules(e) && e.config.dataset_type == DatasetType::kTextEmbeds &&
        e.config.is_default) {
      fallback_text = &e.config;
      break;
    }
  }
  for (auto& e : entries) {
    DatasetConfig& c = e.config;
    if (!joins_rules(e) || !holds_samples(c.dataset_type)) continue;
    if (e.names_text_embeds) {
      check_reference(entries, e, "text_embeds", c.text_embeds, DatasetType::kTextEmbeds, diags);
    } else if (fallback_text) {
      c.text_embeds = fallback_text->id;
    }
    if (!c.image_embeds.empty()) {
      check_reference(entries, e, "image_embeds", c.image_embeds, DatasetType::kImageEmbeds, diags);
    }
    if (!c.conditioning_image_embeds.empty()) {
      check_reference(entries, e, "conditioning_image_embeds", c.conditioning_image_embeds,
                      DatasetType::kConditioningImageEmbeds, diags);
    }
    for (const auto& id : c.conditioning_data) {
      check_reference(entries, e, "conditioning_data", id, DatasetType::kConditioning, diags);
    }

    // ST uses the linked embed entry's folder unless it is this dataset's latent folder.
    if (c.cache_dir_conditioning_image_embeds.empty()) {
      const DatasetConfig* link = nullptr;
      for (const auto& other : entries) {
        if (joins_rules(other) && other.config.id == c.conditioning_image_embeds &&
            other.config.dataset_type == DatasetType::kConditioningImageEmbeds) {
          link = &other.config;
        }
      }
      c.cache_dir_conditioning_image_embeds =
          link && !link->cache_dir.empty() && link->cache_dir != c.cache_dir_vae
              ? link->cache_dir
              : (fs::path(defaults.cache_dir) / "conditioning_image_embeds" / c.id).string();
    }
  }
}

void require_training_data(const Entries& entries, const std::string& source, Diagnostics& diags) {
  for (const auto& e : entries) {
    DatasetType t = e.config.dataset_type;
    if (joins_rules(e) && (t == DatasetType::kImage || t == DatasetType::kVideo)) return;
  }
  add(diags, Severity::kError, source, "",
      "no enabled image or video dataset: there is nothing to train on");
}

// The line the parser stopped at, from nlohmann's byte offset (1-based, past the bad byte).
int line_at(const std::string& text, size_t byte) {
  size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + end, '\n'));
}

// "[json.exception.parse_error.101] parse error at line 3, ..." → "parse error at line 3, ..."
std::string without_exception_tag(const std::string& what) {
  size_t close = what.find("] ");
  return !what.empty() && what[0] == '[' && close != std::string::npos ? what.substr(close + 2)
                                                                       : what;
}

std::string preview(const json& value) {
  std::string s = value.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

}  // namespace

DatasetConfigs parse_dataset_config(const std::string& json_text, const std::string& source,
                                    const DatasetDefaults& defaults, Diagnostics& diags) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    add(diags, Severity::kError, source + ":" + std::to_string(line_at(json_text, e.byte)), "",
        "invalid JSON: " + without_exception_tag(e.what()));
    return {};
  }
  if (!root.is_array()) {
    add(diags, Severity::kError, source, "",
        std::string("expected a JSON array of dataset objects, found ") + root.type_name() + " " +
            preview(root),
        root.is_object() ? "wrap the entry in [ ] to make a list of one dataset" : "");
    return {};
  }

  Entries entries;
  for (size_t i = 0; i < root.size(); ++i) {
    if (!root[i].is_object()) {
      add(diags, Severity::kError, dataset_location(source, i, ""), "",
          std::string("expected a dataset object, found ") + root[i].type_name() + " " +
              preview(root[i]));
      continue;
    }
    entries.push_back(parse_dataset_entry(root[i], source, i, defaults, diags));
  }
  check_unique_ids(entries, diags);
  resolve_default_text_embeds(entries, source, diags);
  resolve_references(entries, defaults, diags);
  require_training_data(entries, source, diags);

  DatasetConfigs out;
  for (auto& e : entries) out.entries.push_back(std::move(e.config));
  return out;
}

DatasetConfigs load_dataset_config(const std::filesystem::path& path,
                                   const DatasetDefaults& defaults, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    add(diags, Severity::kError, path.string(), "",
        std::string("cannot read the dataset config: ") + std::strerror(errno),
        "data_backend_config names this file");
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_dataset_config(text.str(), path.string(), defaults, diags);
}

}  // namespace reel
