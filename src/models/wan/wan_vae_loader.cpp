#include "models/wan/wan_vae_loader.h"
#include "models/component_path.h"
#include "models/weight_mismatch.h"

#include <ATen/ATen.h>

#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "core/dtype.h"
#include "core/error.h"
#include "core/log.h"
#include "core/safetensors_set.h"
#include "core/shape_text.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

// A config from the tensor shapes of a checkpoint without config.json. The released Wan VAEs
// all have dim_mult [1, 2, 4, 4], 2 residual blocks and temporal downsampling [F, T, T].
WanVaeConfig infer_config(const SafetensorsSet& w, bool official, const std::string& file) {
  const std::string conv_in = official ? "encoder.conv1.weight" : "encoder.conv_in.weight";
  const std::string conv_out = official ? "decoder.head.2.weight" : "decoder.conv_out.weight";
  const std::string post = official ? "conv2.weight" : "post_quant_conv.weight";
  for (const std::string& n : {conv_in, conv_out, post}) {
    if (!w.contains(n) || w.info(n).shape.size() != 5) {
      throw Error("cannot infer the Wan VAE config: no 5-D tensor '" + n + "'").file(file);
    }
  }
  WanVaeConfig c;
  c.is_residual = w.contains(official ? "encoder.downsamples.0.downsamples.0.residual.0.gamma"
                                      : "encoder.down_blocks.0.resnets.0.norm1.gamma");
  c.base_dim = w.info(conv_in).shape[0];
  c.in_channels = w.info(conv_in).shape[1];
  c.out_channels = w.info(conv_out).shape[0];
  c.decoder_base_dim = w.info(conv_out).shape[1];
  c.z_dim = w.info(post).shape[0];
  c.patch_size = static_cast<int64_t>(std::lround(std::sqrt(c.in_channels / 3.0)));
  if (c.patch_size < 1 || 3 * c.patch_size * c.patch_size != c.in_channels) {
    throw Error("cannot infer the Wan VAE config: " + std::to_string(c.in_channels) +
                " input channels is not RGB patches")
        .file(file);
  }
  c.scale_factor_spatial = 8 * c.patch_size;
  c.latents_mean = wan_vae_default_latents_mean(c.z_dim);
  c.latents_std = wan_vae_default_latents_std(c.z_dim);
  return c;
}

}  // namespace

WanVae load_wan_vae(const fs::path& path, at::ScalarType dtype, at::Device device) {
  const ComponentPath where = find_component(path, "vae");
  const fs::path& weights = where.weights;
  const fs::path& config = where.config;
  const std::string file = weights.string();
  SafetensorsSet set = SafetensorsSet::open(weights);

  bool official;
  if (set.contains("encoder.conv_in.weight") || set.contains("decoder.conv_in.weight")) {
    official = false;
  } else if (set.contains("encoder.conv1.weight") || set.contains("decoder.conv1.weight")) {
    official = true;
  } else {
    throw Error(
        "not a Wan VAE checkpoint: it has neither encoder.conv_in (diffusers) nor "
        "encoder.conv1 (official) weights")
        .file(file)
        .hint("give the Wan VAE (a diffusers vae folder or the official Wan2.x_VAE file)");
  }
  std::string config_source = "inferred from the tensor shapes";
  WanVaeConfig cfg;
  if (!official && !config.empty()) {
    cfg = read_wan_vae_config(config);
    config_source = config.string();
  } else {
    cfg = infer_config(set, official, file);
  }

  WanVae model(cfg);
  std::vector<ParameterSlot> slots = model.parameters();
  // Stored name of every slot, by the naming rules of the checkpoint's layout.
  std::unordered_map<std::string, size_t> slot_of_stored;
  std::vector<std::string> stored_name(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    stored_name[i] = official ? model.official_name(slots[i].name) : slots[i].name;
    slot_of_stored.emplace(stored_name[i], i);
  }
  auto shown = [&](size_t i) {
    return official ? stored_name[i] + " (diffusers " + slots[i].name + ")" : slots[i].name;
  };

  std::vector<std::string> missing, unexpected, wrong_shape;
  std::vector<bool> found(slots.size(), false);
  for (const TensorInfo& t : set.tensors()) {
    auto it = slot_of_stored.find(t.name);
    if (it == slot_of_stored.end()) {
      unexpected.push_back(t.name);
      continue;
    }
    found[it->second] = true;
    if (t.shape != slots[it->second].shape) {
      wrong_shape.push_back(t.name + " " + shape_text(t.shape) + " (expected " +
                            shape_text(slots[it->second].shape) + ")");
    }
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    if (!found[i]) missing.push_back(shown(i));
  }
  if (!missing.empty() || !unexpected.empty() || !wrong_shape.empty()) {
    std::string msg = "the weights do not fit this " + describe_wan_vae_config(cfg) + ": ";
    msg += WeightMismatch{missing, unexpected, wrong_shape}.summary();
    throw Error(msg).file(file).hint(
        "the config is " + config_source +
        "; a checkpoint of another VAE (Wan 2.1 vs 2.2), or an incomplete download, has other "
        "tensors");
  }

  int64_t count = 0;
  for (size_t i = 0; i < slots.size(); ++i) {
    at::Tensor t = set.tensor(stored_name[i]);
    if (!device.is_cpu()) t = t.to(device);
    if (t.scalar_type() != dtype) t = t.to(dtype);
    // The weights are small: own them, so the model does not keep the file mapped.
    if (t.data_ptr() == set.tensor(stored_name[i]).data_ptr()) t = t.clone();
    *slots[i].tensor = std::move(t);
    count += slots[i].tensor->numel();
  }
  log::info("loaded ", describe_wan_vae_config(cfg), " from ", file, " (",
            official ? "official" : "diffusers", " naming; config ", config_source,
            "): ", slots.size(), " tensors, ", count, " parameters as ", dtype_name(dtype), " on ",
            device.str());
  return model;
}

}  // namespace reel
