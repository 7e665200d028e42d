#include "app/train_settings.h"
#include "app/option_reader.h"

#include <ATen/Context.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/wan_flavour.h"
#include "core/error.h"
#include "core/log.h"
#include "models/model_source.h"

namespace reel {
namespace fs = std::filesystem;
namespace {

using Options = OptionReader;

at::ScalarType precision(const std::string& name) {
  if (name == "bf16") return at::kBFloat16;
  if (name == "fp16") return at::kHalf;
  return at::kFloat;
}

void adapter(const Options& o, TrainerSettings& s) {
  s.lycoris = o.text("lora_type", "standard") == "lycoris";
  s.lora.rank = o.integer("lora_rank", 16);
  if (o.has("lora_alpha")) s.lora.alpha = o.number("lora_alpha", 16);
  s.lora.dropout = o.number("lora_dropout", 0.1);
  const std::string init = o.text("lora_init_type", "default");
  if (init == "gaussian") {
    s.lora.init = LoraInit::kGaussian;
  } else if (init != "default") {
    throw Error("lora_init_type '" + init + "' is not supported by Reel")
        .key("lora_init_type")
        .hint("use default or gaussian");
  }
  if (o.has("peft_lora_target_modules")) {
    for (const auto& m : o.config().get_json("peft_lora_target_modules"))
      s.lora.target_modules.push_back(m.get<std::string>());
  }
  s.lora.seed = s.seed;
  if (s.lycoris) {
    if (!o.has("lycoris_config")) {
      throw Error("lora_type lycoris needs a lycoris_config")
          .key("lycoris_config")
          .hint("point lycoris_config at a LyCORIS JSON file");
    }
    std::ifstream in(o.text("lycoris_config"));
    std::stringstream text;
    text << in.rdbuf();
    s.lycoris_config_text = text.str();
    s.lycoris_config = read_lycoris_config(o.text("lycoris_config"));
  }
  s.layout = o.text("lora_format", "comfyui") == "diffusers" ? AdapterLayout::kDiffusers
                                                             : AdapterLayout::kComfyUI;
}

void optimisation(const Options& o, TrainerSettings& s) {
  s.optimizer = o.text("optimizer", "adamw_bf16");
  OptimizerOptions opt;
  opt.optimizer = s.optimizer;
  opt.optimizer_config = o.text("optimizer_config");
  if (o.has("optimizer_beta1")) opt.optimizer_beta1 = o.number("optimizer_beta1", 0.9);
  if (o.has("optimizer_beta2")) opt.optimizer_beta2 = o.number("optimizer_beta2", 0.999);
  opt.learning_rate = o.number("learning_rate", 4e-7);
  s.optimizer_settings = resolve_optimizer_settings(opt);
  s.optimizer_settings.seed = s.seed;
  // adamw_bf16 updates bf16 weights with stochastic rounding: the adapter is kept in bf16.
  if (s.optimizer == "adamw_bf16") s.lora.dtype = at::kBFloat16;

  s.lr.name = o.text("lr_scheduler", "constant_with_warmup");
  s.lr.learning_rate = s.optimizer_settings.lr.value_or(opt.learning_rate);
  s.lr.warmup_steps = o.integer("lr_warmup_steps", 0);
  s.lr.lr_end = o.number("lr_end", 4e-7);
  s.lr.power = o.number("lr_power", 0.8);
  s.gradient_accumulation_steps = o.integer("gradient_accumulation_steps", 1);
  s.max_grad_norm = o.number("max_grad_norm", 0);
  s.grad_clip_method = parse_grad_clip_method(o.text("grad_clip_method", "value"));
  if (o.has("loss_type")) s.loss.type = parse_loss_type(o.text("loss_type"));
  s.caption_dropout_probability = o.number("caption_dropout_probability", 0.1);
  s.use_ema = o.flag("use_ema", false);
  s.ema.decay = o.number("ema_decay", 0.995);
  s.ema.update_interval = o.integer("ema_update_interval", 1);
}

void flow(const Options& o, const WanFlavour* flavour, TrainerSettings& s) {
  FlowMatchingConfig& f = s.flow;
  if (o.flag("flow_use_uniform_schedule", false)) f.sampler = FlowSampler::kUniform;
  if (o.flag("flow_use_beta_schedule", false)) f.sampler = FlowSampler::kBeta;
  f.sigmoid_scale = o.number("flow_sigmoid_scale", 1.0);
  f.beta_alpha = o.number("flow_beta_schedule_alpha", 2.0);
  f.beta_beta = o.number("flow_beta_schedule_beta", 2.0);
  f.shift = o.number("flow_schedule_shift", 3.0);
  f.auto_shift = o.flag("flow_schedule_auto_shift", false);
  if (flavour && !flavour->stage.empty() && o.flag("wan_expert_timestep_restrict", true)) {
    const double boundary = o.number("wan_boundary_ratio", flavour->boundary_ratio.value_or(0.9));
    f.sigma_range = expert_sigma_range(flavour->stage, boundary);
  }
}

}  // namespace

TrainerSettings train_settings(const LoadedConfig& config) {
  const Options o(config);
  TrainerSettings s;
  s.output_dir = o.text("output_dir", "output");
  s.seed = static_cast<uint64_t>(o.integer("seed", 0));
  s.flavour = o.text("model_flavour", kDefaultWanFlavour);
  const WanFlavour* flavour = find_wan_flavour(s.flavour);
  s.base_model = o.text("pretrained_model_name_or_path");
  const std::string transformer_key = o.has("pretrained_transformer_model_name_or_path")
                                          ? "pretrained_transformer_model_name_or_path"
                                          : "pretrained_model_name_or_path";
  s.transformer = resolve_model_source(o.text(transformer_key), transformer_key);
  s.transformer_subfolder = o.text("pretrained_transformer_subfolder");
  s.image_to_video = flavour && (flavour->kind == "i2v" || flavour->kind == "flf2v");
  if (flavour && flavour->kind == "ti2v") {
    // TI2V-5B conditions by overwriting the first latent frame with per-token timesteps
    // (spec/training.md §4); training it as T2V would silently learn the wrong task.
    throw Error("training model_flavour " + s.flavour + " is not built yet in Reel")
        .key("model_flavour")
        .hint("train a t2v or i2v flavour");
  }

  if (at::hasCUDA()) {
    s.device = at::Device(at::kCUDA, 0);
    s.base_dtype =
        o.text("base_model_default_dtype", "bf16") == "fp32" ? at::kFloat : at::kBFloat16;
    s.compute_dtype = precision(o.text("mixed_precision", "bf16"));
  } else if (config.source_of("mixed_precision").kind != SourceKind::kDefault) {
    // On CPU bf16 is slower than float32, so the default (bf16) applies to GPUs only; a value
    // the user wrote is honoured anywhere.
    s.compute_dtype = precision(o.text("mixed_precision", "no"));
  }
  s.gradient_checkpointing = o.flag("gradient_checkpointing", false);

  adapter(o, s);
  optimisation(o, s);
  flow(o, flavour, s);

  s.max_train_steps = o.integer("max_train_steps", 0);
  s.num_train_epochs = o.integer("num_train_epochs", 1);
  s.lr.max_steps = s.max_train_steps;
  s.dataset_sampling = parse_dataset_sampling(o.text("data_backend_sampling", "auto-weighting"));
  s.checkpoint_step_interval = o.integer("checkpoint_step_interval", 0);
  s.checkpoints_total_limit = o.integer("checkpoints_total_limit", 0);
  s.resume_from_checkpoint = o.text("resume_from_checkpoint");
  s.report_to = o.text("report_to", "none");
  if (o.has("webhook_config")) {
    const fs::path base =
        config.config_file().empty() ? fs::path() : fs::path(config.config_file()).parent_path();
    s.webhooks = parse_webhook_config(config.get_json("webhook_config"), base);
    s.webhook_run.project_name = o.text("tracker_project_name") + " " + o.text("tracker_run_name");
    s.webhook_run.reporting_interval = o.integer("webhook_reporting_interval", 1);
  }
  if (s.lora.alpha && *s.lora.alpha != static_cast<double>(s.lora.rank) &&
      s.layout == AdapterLayout::kDiffusers) {
    log::warn("lora_alpha ", *s.lora.alpha, " differs from lora_rank ", s.lora.rank,
              ": loaders that ignore the file's metadata will apply the wrong scale");
  }
  return s;
}

}  // namespace reel
