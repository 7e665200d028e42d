#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "core/error.h"
#include "core/json_file.h"
#include "core/safetensors_set.h"
#include "core/shape_text.h"
#include "models/checkpoint_layout.h"
#include "models/wan/wan_config_io.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

std::string human_bytes(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) bytes /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[u]);
  return buf;
}

std::string human_count(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  char scaled[32] = "";
  if (n >= 1000000000) {
    std::snprintf(scaled, sizeof scaled, " (%.2f B)", n / 1e9);
  } else if (n >= 1000000) {
    std::snprintf(scaled, sizeof scaled, " (%.2f M)", n / 1e6);
  }
  return out + scaled;
}

// config.json's scalar settings on one line: what a reader checks first (sizes, dims).
std::string config_summary(const nlohmann::json& config) {
  std::string s;
  std::string cls = config.value("_class_name", "");
  if (cls.empty() && config.contains("architectures") && config["architectures"].is_array() &&
      !config["architectures"].empty()) {
    cls = config["architectures"][0].get<std::string>();
  }
  for (const auto& [key, value] : config.items()) {
    if (key.empty() || key[0] == '_' || key == "architectures" || value.is_null() ||
        value.is_object()) {
      continue;
    }
    s += (s.empty() ? "" : ", ") + key + "=" + value.dump();
  }
  return cls.empty() ? s : cls + ": " + s;
}

// The settings file of a diffusers component, whichever kind it is.
fs::path component_config(const fs::path& dir) {
  for (const char* name : {"config.json", "scheduler_config.json", "tokenizer_config.json",
                           "preprocessor_config.json"}) {
    if (fs::exists(dir / name)) return dir / name;
  }
  return {};
}

bool has_weights(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (name.size() > 12 && name.compare(name.size() - 12, 12, ".safetensors") == 0) return true;
  }
  return false;
}

// A Wan transformer's shape: from its config.json when it has one, else from the tensors
// (the head count then only for the released widths).
std::string wan_summary(const std::vector<TensorShape>& shapes, const CheckpointLayout& layout,
                        const fs::path& config, const fs::path& path) {
  WanConfig c;
  bool heads_known = true;
  if (!config.empty() && layout.naming == "diffusers") {
    c = read_wan_config(config);
  } else {
    try {
      c = infer_wan_config(shapes, std::nullopt, path.string());
    } catch (const Error&) {
      // Not a released width: one head (any width) stands in to read the other sizes.
      c = infer_wan_config(shapes, 1, path.string());
      heads_known = false;
    }
  }
  std::string s = std::to_string(c.num_layers) + " layers, dim " + std::to_string(c.dim()) +
                  (heads_known ? " (" + std::to_string(c.num_attention_heads) + " heads x " +
                                     std::to_string(c.attention_head_dim) + ")"
                               : " (heads unknown: not a released width)") +
                  ", ffn " + std::to_string(c.ffn_dim) + ", in " + std::to_string(c.in_channels) +
                  ", out " + std::to_string(c.out_channels) + ", text " +
                  std::to_string(c.text_dim);
  if (c.image_dim) s += ", image " + std::to_string(*c.image_dim);
  return s;
}

void inspect_weights(const fs::path& path, bool list_tensors) {
  SafetensorsSet set = SafetensorsSet::open(path);
  std::cout << path.string() << "\n";

  std::string files;
  for (const auto& f : set.files()) {
    files += (files.empty() ? "" : ", ") + f.filename().string() + " (" +
             human_bytes(static_cast<double>(fs::file_size(f))) + ")";
  }
  int64_t params = 0;
  std::map<std::string, std::pair<int64_t, uint64_t>> by_dtype;  // count, bytes
  std::vector<TensorShape> shapes;
  for (const auto& t : set.tensors()) {
    params += t.numel();
    auto& d = by_dtype[t.dtype_name];
    d.first += 1;
    d.second += t.end - t.begin;
    shapes.push_back({t.name, t.shape});
  }
  std::string dtypes;
  for (const auto& [name, d] : by_dtype) {
    dtypes += (dtypes.empty() ? "" : "; ") + name + ": " + std::to_string(d.first) + " tensors, " +
              human_bytes(static_cast<double>(d.second));
  }

  const CheckpointLayout layout = detect_layout(shapes);
  std::cout << "  files       " << files << "\n"
            << "  tensors     " << set.tensors().size() << "\n"
            << "  parameters  " << human_count(params) << "\n"
            << "  dtypes      " << dtypes << "\n"
            << "  layout      " << layout.description() << "\n";
  fs::path config = component_config(fs::is_directory(path) ? path : path.parent_path());
  if (layout.kind == "wan-transformer") {
    std::string summary;
    try {
      summary = wan_summary(shapes, layout, config, path);
    } catch (const Error& e) {
      summary = std::string("(") + e.what() + ")";
    }
    std::cout << "  wan         " << summary << "\n";
  }
  if (!config.empty()) {
    std::cout << "  config      "
              << config_summary(read_json_object(config, "the component config")) << "\n";
  }
  for (const auto& [key, value] : set.metadata()) {
    std::cout << "  metadata    " << key << " = " << value << "\n";
  }
  if (list_tensors) {
    for (const auto& t : set.tensors()) {
      std::cout << "    " << t.name << "  " << t.dtype_name << " " << shape_text(t.shape) << "\n";
    }
  }
}

void inspect(const fs::path& path, bool list_tensors) {
  if (!fs::exists(path)) {
    throw Error("no such file or folder")
        .file(path.string())
        .hint("give a .safetensors file, a *.safetensors.index.json, or a diffusers model folder");
  }
  // A diffusers pipeline folder: every component that carries weights, in index order.
  if (fs::is_directory(path) && fs::exists(path / "model_index.json")) {
    auto index = read_json_object(path / "model_index.json", "the pipeline index");
    std::cout << "diffusers pipeline " << index.value("_class_name", "?") << " at " << path.string()
              << "\n\n";
    for (const auto& [component, spec] : index.items()) {
      fs::path sub = path / component;
      if (component[0] == '_' || !fs::is_directory(sub)) continue;
      if (!has_weights(sub)) {
        fs::path config = component_config(sub);
        std::cout << sub.string() << "\n  config      "
                  << (config.empty()
                          ? spec.dump()
                          : config_summary(read_json_object(config, "the component config")))
                  << "\n\n";
        continue;
      }
      inspect_weights(sub, list_tensors);
      std::cout << "\n";
    }
    return;
  }
  inspect_weights(path, list_tensors);
}

}  // namespace

void add_inspect_command(CLI::App& app, int& exit_code) {
  static std::string path;
  static bool list_tensors = false;
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Show what a .safetensors file or diffusers model folder holds");
  cmd->add_option("PATH", path,
                  "A .safetensors file, a *.safetensors.index.json, a folder with weights, or "
                  "a diffusers pipeline folder (with model_index.json)")
      ->required();
  cmd->add_flag("--tensors", list_tensors, "Also list every tensor with its dtype and shape");
  cmd->callback([&exit_code] {
    inspect(path, list_tensors);
    exit_code = 0;
  });
}

}  // namespace reel
