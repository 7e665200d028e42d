#include "config/option_table.h"

#include <initializer_list>

#include "config/st_option_list.h"
#include "config/wan_flavour.h"

namespace reel {
namespace {

using T = OptionType;

// Fluent declaration, so that each row of the table reads as one sentence.
class Decl {
 public:
  Decl(const char* name, T type, const char* group, const char* help) {
    o_.name = name;
    o_.type = type;
    o_.group = group;
    o_.help = help;
  }
  Decl& def(const char* text) {
    o_.has_default = true;
    o_.default_text = text;
    return *this;
  }
  Decl& one_of(std::initializer_list<const char*> values) {
    o_.choices.assign(values.begin(), values.end());
    return *this;
  }
  Decl& one_of(std::vector<std::string> values) {
    o_.choices = std::move(values);
    return *this;
  }
  Decl& range(double lo, double hi) {
    o_.min = lo;
    o_.max = hi;
    return *this;
  }
  Decl& at_least(double lo) {
    o_.min = lo;
    return *this;
  }
  Decl& empty_ok() {
    o_.allow_empty = true;
    return *this;
  }
  Decl& built() {
    o_.built = true;
    return *this;
  }
  Option take() {
    // Long enum lists (optimizers, quantisation levels, attention backends) are ST's own.
    if (o_.type == T::kEnum && o_.choices.empty()) {
      if (const StOption* st = find_st_option(o_.name)) o_.choices = st->choices;
    }
    return std::move(o_);
  }

 private:
  Option o_;
};

std::vector<Option> declare() {
  std::vector<Decl> d = {
      // model
      Decl("model_family", T::kEnum, "model", "Model family. Required; Reel trains Wan only.")
          .one_of({"wan"})
          .built(),
      Decl("model_flavour", T::kEnum, "model",
           "Wan variant; sets the default repository and, for Wan 2.2 stage flavours, the "
           "schedule shift, validation steps and guidance.")
          .def(kDefaultWanFlavour)
          .one_of(supported_wan_flavours())
          .built(),
      Decl("pretrained_model_name_or_path", T::kPath, "model",
           "Diffusers folder or hub id of the base model. Default: the flavour's repository.")
          .built(),
      Decl("pretrained_transformer_model_name_or_path", T::kPath, "model",
           "Alternate transformer: a diffusers folder or a single .safetensors file. Default: "
           "the base model.")
          .built(),
      Decl("pretrained_transformer_subfolder", T::kString, "model",
           "Subfolder of the transformer weights; \"none\" = no subfolder. Forced by Wan 2.2 "
           "stage flavours.")
          .def("transformer")
          .built(),
      Decl("pretrained_vae_model_name_or_path", T::kPath, "model",
           "VAE source. Default: the base model.")
          .built(),
      Decl("pretrained_t5_model_name_or_path", T::kPath, "model",
           "UMT5 text encoder source. Default: the base model.")
          .built(),
      Decl("model_type", T::kEnum, "model", "Train the full model or a LoRA adapter.")
          .def("full")
          .one_of({"full", "lora"})
          .built(),
      Decl("base_model_precision", T::kEnum, "model",
           "Quantisation of the frozen transformer weights (Wan rejects fp8-quanto).")
          .def("no_change"),
      Decl("text_encoder_1_precision", T::kEnum, "model", "Quantisation of the UMT5 encoder.")
          .def("no_change"),
      Decl("text_encoder_2_precision", T::kEnum, "model", "Unused by Wan (one text encoder).")
          .def("no_change"),
      Decl("text_encoder_3_precision", T::kEnum, "model", "Unused by Wan (one text encoder).")
          .def("no_change"),
      Decl("text_encoder_4_precision", T::kEnum, "model", "Unused by Wan (one text encoder).")
          .def("no_change"),
      Decl("base_model_default_dtype", T::kEnum, "model",
           "dtype of the frozen weights that are not quantised.")
          .def("bf16")
          .one_of({"bf16", "fp32"})
          .built(),
      Decl("quantize_via", T::kEnum, "model", "Where quantisation runs.")
          .def("accelerator")
          .one_of({"cpu", "accelerator", "pipeline"}),
      Decl("tokenizer_max_length", T::kInt, "model",
           "UMT5 token length. Wan forces 512; setting it only warns.")
          .def("512")
          .at_least(1)
          .built(),
      Decl("t5_padding", T::kEnum, "model",
           "zero: multiply the text embedding by the real token mask (same result as "
           "unmodified).")
          .def("unmodified")
          .one_of({"zero", "unmodified"}),
      Decl("framerate", T::kInt, "model",
           "Frames per second of the rendered videos; an int or a numeric string.")
          .def("15")
          .at_least(1)
          .built(),
      Decl("wan_force_2_1_time_embedding", T::kBool, "model",
           "Use the Wan 2.1 time-embedding path.")
          .def("false"),
      Decl("wan_boundary_ratio", T::kFloat, "model",
           "Reel-only. Expert switch at t = ratio x 1000 for Wan 2.2 stage models. Default: "
           "the flavour's boundary (0.9 for I2V 2.2, 0.875 for AnimeGen).")
          .range(0, 1)
          .built(),
      Decl("tread_config", T::kJson, "model",
           "TREAD token routing: {\"routes\": [{selection_ratio, start_layer_idx, "
           "end_layer_idx}]}; negative indices count from the end."),
      Decl("attention_mechanism", T::kEnum, "model",
           "Attention backend; sageattention* applies where sageattention_usage says.")
          .def("diffusers"),
      Decl("sageattention_usage", T::kEnum, "model",
           "Where SageAttention is used: inference = validation only.")
          .def("inference")
          .one_of({"training", "inference", "training+inference"}),

      // lora
      Decl("lora_type", T::kEnum, "lora", "PEFT LoRA (standard) or LyCORIS.")
          .def("standard")
          .one_of({"standard", "lycoris"})
          .built(),
      Decl("lora_rank", T::kInt, "lora", "LoRA rank r.").def("16").at_least(1).built(),
      Decl("lora_alpha", T::kFloat, "lora", "LoRA alpha; scale = alpha / r. Default: lora_rank.")
          .at_least(0)
          .built(),
      Decl("lora_dropout", T::kFloat, "lora", "Dropout on the LoRA input.")
          .def("0.1")
          .range(0, 1)
          .built(),
      Decl("lora_init_type", T::kEnum, "lora", "Initialisation of the LoRA weights.")
          .def("default")
          .built(),
      Decl("peft_lora_target_modules", T::kList, "lora",
           "Module-name suffixes to adapt. Default: Wan's attention and feed-forward layers.")
          .built(),
      Decl("lycoris_config", T::kPath, "lora", "LyCORIS JSON configuration (lora_type lycoris).")
          .def("config/lycoris_config.json")
          .built(),
      Decl("init_lora", T::kPath, "lora",
           "Start from an existing LoRA .safetensors; rank and alpha are read from it."),
      Decl("lora_format", T::kEnum, "lora",
           "Key layout of saved LoRA files: diffusers (PEFT) or comfyui (original Wan names "
           "with .alpha). Reel's default is comfyui; ST's is diffusers.")
          .def("comfyui")
          .one_of({"diffusers", "comfyui"})
          .built(),
      Decl("use_dora", T::kBool, "lora", "Weight-decomposed LoRA (DoRA).").def("false"),

      // training
      Decl("optimizer", T::kEnum, "training", "Optimizer.").def("adamw_bf16").built(),
      Decl("optimizer_config", T::kString, "training",
           "k=v,k=v overrides of the optimizer's defaults.")
          .built(),
      Decl("optimizer_beta1", T::kFloat, "training", "Adam beta1; set both betas or neither.")
          .range(0, 1)
          .built(),
      Decl("optimizer_beta2", T::kFloat, "training", "Adam beta2; set both betas or neither.")
          .range(0, 1)
          .built(),
      Decl("learning_rate", T::kFloat, "training", "Peak learning rate.")
          .def("4e-07")
          .at_least(0)
          .built(),
      Decl("lr_scheduler", T::kEnum, "training",
           "Learning-rate schedule (cosine_with_warmup is read as cosine; constant with warm-up "
           "steps becomes constant_with_warmup). cosine_warmup is Reel-only.")
          .def("constant_with_warmup")
          .one_of({"linear", "sine", "cosine", "cosine_with_restarts", "polynomial", "constant",
                   "constant_with_warmup", "cosine_warmup"})
          .built(),
      Decl("lr_warmup_steps", T::kInt, "training", "Linear warm-up steps.")
          .def("0")
          .at_least(0)
          .built(),
      Decl("lr_num_cycles", T::kInt, "training", "Cycles of cosine_with_restarts.")
          .def("1")
          .at_least(1),
      Decl("lr_power", T::kFloat, "training", "Power of the polynomial schedule.")
          .def("0.8")
          .built(),
      Decl("lr_end", T::kFloat, "training", "Final learning rate of the polynomial schedule.")
          .def("4e-07")
          .at_least(0)
          .built(),
      Decl("max_train_steps", T::kInt, "training", "Stop at this step; needs num_train_epochs 0.")
          .at_least(0)
          .built(),
      Decl("num_train_epochs", T::kInt, "training", "Epochs to train (0 = use max_train_steps).")
          .def("1")
          .at_least(0)
          .built(),
      Decl("strict_epoch_limit", T::kBool, "training",
           "Stop when the epoch counter passes num_train_epochs. Set when max_train_steps is "
           "unset; legacy ignore_final_epochs v means strict_epoch_limit = not v.")
          .def("false"),
      Decl("train_batch_size", T::kInt, "training", "Samples per device and micro-batch.")
          .def("4")
          .at_least(1)
          .built(),
      Decl("gradient_accumulation_steps", T::kInt, "training", "Micro-batches per optimizer step.")
          .def("1")
          .at_least(1)
          .built(),
      Decl("gradient_checkpointing", T::kBool, "training",
           "Recompute transformer blocks in the backward pass.")
          .def("true")
          .built(),
      Decl("gradient_checkpointing_interval", T::kInt, "training",
           "Checkpoint only every n-th block.")
          .at_least(1),
      Decl("mixed_precision", T::kEnum, "training", "Compute dtype.")
          .def("bf16")
          .one_of({"no", "fp16", "bf16", "fp8"})
          .built(),
      Decl("seed", T::kInt, "training", "Global random seed.").built(),
      Decl("caption_dropout_probability", T::kFloat, "training",
           "Probability of training a sample with an empty caption.")
          .def("0.1")
          .range(0, 1)
          .built(),
      Decl("flow_schedule_shift", T::kFloat, "training", "Static sigma shift.")
          .def("3.0")
          .at_least(0)
          .built(),
      Decl("flow_schedule_auto_shift", T::kBool, "training",
           "Resolution-dependent shift; used only when flow_schedule_shift is 0.")
          .def("false")
          .built(),
      Decl("flow_use_uniform_schedule", T::kBool, "training", "Sample sigmas uniformly.")
          .def("false")
          .built(),
      Decl("flow_use_beta_schedule", T::kBool, "training", "Sample sigmas from Beta(a, b).")
          .def("false")
          .built(),
      Decl("flow_beta_schedule_alpha", T::kFloat, "training", "Beta schedule a.")
          .def("2.0")
          .built(),
      Decl("flow_beta_schedule_beta", T::kFloat, "training", "Beta schedule b.").def("2.0").built(),
      Decl("flow_sigmoid_scale", T::kFloat, "training", "Logit-normal scale.").def("1.0").built(),
      Decl("wan_expert_timestep_restrict", T::kBool, "training",
           "Reel-only. Each Wan 2.2 expert trains on its own timestep range; false = ST's full "
           "range.")
          .def("true")
          .built(),
      Decl("loss_type", T::kEnum, "training", "Loss.")
          .def("l2")
          .one_of({"l2", "huber", "smooth_l1"})
          .built(),
      Decl("max_grad_norm", T::kFloat, "training", "Gradient clipping threshold.")
          .def("2.0")
          .at_least(0)
          .built(),
      Decl("grad_clip_method", T::kEnum, "training",
           "value: clamp each element to +-max_grad_norm; norm: global L2 norm.")
          .def("value")
          .one_of({"value", "norm"})
          .built(),
      Decl("use_ema", T::kBool, "training", "Keep an EMA of the trained weights.")
          .def("false")
          .built(),
      Decl("ema_decay", T::kFloat, "training", "Maximum EMA decay.")
          .def("0.995")
          .range(0, 1)
          .built(),
      Decl("ema_update_interval", T::kInt, "training", "Update the EMA every N optimizer steps.")
          .def("1")
          .at_least(1)
          .built(),
      Decl("ema_device", T::kEnum, "training", "Where the EMA weights live.")
          .def("cpu")
          .one_of({"accelerator", "cpu"}),
      Decl("noise_offset", T::kFloat, "training", "Offset noise (not applied to flow matching).")
          .def("0.1"),
      Decl("input_perturbation", T::kFloat, "training", "Input perturbation strength.").def("0.0"),
      Decl("output_dir", T::kPath, "training", "Run folder (checkpoints, LoRA files, videos).")
          .def("simpletuner-results")
          .built(),
      Decl("checkpoint_step_interval", T::kInt, "training",
           "Save a checkpoint every N steps (legacy: checkpointing_steps).")
          .def("500")
          .at_least(1)
          .built(),
      Decl("checkpoints_total_limit", T::kInt, "training",
           "Keep the newest N checkpoints (legacy: save_total_limit).")
          .def("5")
          .at_least(1)
          .built(),
      Decl("resume_from_checkpoint", T::kString, "training",
           "latest, a checkpoint-N name, or \"\" for a fresh start.")
          .def("latest")
          .empty_ok()
          .built(),
      Decl("disable_benchmark", T::kBool, "training", "Skip the startup benchmark.")
          .def("false")
          .built(),

      // validation
      Decl("validation_step_interval", T::kInt, "validation",
           "Validate every N steps (legacy: validation_steps).")
          .def("100")
          .at_least(1)
          .built(),
      Decl("validation_disable", T::kBool, "validation", "Never render validation videos.")
          .def("false")
          .built(),
      Decl("validation_prompt", T::kString, "validation", "Single validation prompt.")
          .empty_ok()
          .built(),
      Decl("validation_negative_prompt", T::kString, "validation",
           "Negative prompt; \"\" = empty negative prompt.")
          .def("blurry, cropped, ugly")
          .empty_ok()
          .built(),
      Decl("validation_guidance", T::kFloat, "validation", "CFG scale.")
          .def("7.5")
          .at_least(0)
          .built(),
      Decl("validation_num_inference_steps", T::kInt, "validation",
           "Sampling steps; Wan wants 40 to 50.")
          .def("30")
          .at_least(1)
          .built(),
      Decl("validation_resolution", T::kString, "validation",
           "WxH list: \"832x480\", \"480\" (square), comma-separated.")
          .def("256")
          .built(),
      Decl("validation_num_video_frames", T::kInt, "validation",
           "Frames per validation video. Default 81; at most 81 are rendered.")
          .at_least(1)
          .built(),
      Decl("validation_seed", T::kInt, "validation", "Validation seed.").built(),
      Decl("validation_seed_source", T::kEnum, "validation", "Device of the validation RNG.")
          .def("cpu")
          .one_of({"cpu", "gpu"}),
      Decl("validation_noise_scheduler", T::kEnum, "validation",
           "Sampler (Wan default unipc). flow_matching and euler_betas are Reel-only.")
          .one_of({"ddim", "ddpm", "euler", "euler-a", "unipc", "dpm++", "perflow", "flow_matching",
                   "euler_betas"})
          .empty_ok()
          .built(),
      Decl("validation_guidance_skip_layers", T::kList, "validation",
           "Skip-layer guidance layers, e.g. [9]; all listed layers apply.")
          .built(),
      Decl("validation_guidance_skip_layers_start", T::kFloat, "validation",
           "Start of the SLG window (fraction of the steps).")
          .def("0.01")
          .range(0, 1)
          .built(),
      Decl("validation_guidance_skip_layers_stop", T::kFloat, "validation",
           "End of the SLG window (fraction of the steps).")
          .def("0.2")
          .range(0, 1)
          .built(),
      Decl("validation_guidance_skip_scale", T::kFloat, "validation",
           "SLG scale (unused by the Wan pipeline).")
          .def("2.8")
          .built(),
      Decl("validation_guidance_skip_mode", T::kEnum, "validation",
           "Reel-only. sd3 = SD3-style skip-layer guidance; simpletuner = ST's behaviour.")
          .def("sd3")
          .one_of({"sd3", "simpletuner"})
          .built(),
      Decl("validation_disable_unconditional", T::kBool, "validation",
           "Skip the unconditional pass; forced true for Wan.")
          .def("true"),
      Decl("validation_using_datasets", T::kBool, "validation",
           "Validate img2img-style from dataset samples."),
      Decl("user_prompt_library", T::kPath, "validation",
           "JSON file {nickname: prompt}; nicknames become file names.")
          .built(),
      Decl("validation_prompt_library", T::kBool, "validation",
           "Also render ST's built-in prompt library.")
          .def("false"),
      Decl("validation_on_startup", T::kBool, "validation", "Validate before the first step.")
          .def("false")
          .built(),
      Decl("validation_preview", T::kBool, "validation", "Stream Tiny-AE previews while sampling.")
          .def("false")
          .built(),
      Decl("validation_preview_steps", T::kInt, "validation", "Preview every N sampling steps.")
          .def("1")
          .at_least(1)
          .built(),
      Decl("ema_validation", T::kEnum, "validation", "Which weights validation renders.")
          .def("comparison")
          .one_of({"none", "ema_only", "comparison"})
          .built(),
      Decl("wan_validation_load_other_stage", T::kBool, "validation",
           "Wan 2.2: load the other expert for validation.")
          .def("false")
          .built(),
      Decl("eval_steps_interval", T::kInt, "validation", "Evaluation loss every N steps.")
          .at_least(1),
      Decl("eval_timesteps", T::kInt, "validation", "Timesteps of the evaluation loss.")
          .def("28")
          .at_least(1),
      Decl("eval_loss_disable", T::kBool, "validation", "Disable the evaluation loss.")
          .def("false"),

      // data
      Decl("data_backend_config", T::kPath, "data", "multidatabackend.json. Required.").built(),
      Decl("data_backend_sampling", T::kEnum, "data", "Per-step dataset weights.")
          .def("auto-weighting")
          .one_of({"uniform", "auto-weighting"})
          .built(),
      Decl("resolution", T::kFloat, "data", "Default dataset resolution.")
          .def("1024")
          .at_least(0)
          .built(),
      Decl("resolution_type", T::kEnum, "data", "Meaning of resolution.")
          .def("pixel_area")
          .one_of({"pixel", "area", "pixel_area"})
          .built(),
      Decl("aspect_bucket_rounding", T::kInt, "data", "Decimals of the aspect-ratio key.")
          .def("2")
          .range(1, 9)
          .built(),
      Decl("aspect_bucket_alignment", T::kInt, "data",
           "Bucket edge multiple; Wan forces 32 (64 for ti2v-5b-2.2).")
          .def("32")
          .one_of({"8", "16", "24", "32", "64"})
          .built(),
      Decl("minimum_image_size", T::kFloat, "data", "Global default of the datasets' minimum.")
          .at_least(0)
          .built(),
      Decl("cache_dir_text", T::kPath, "data", "Root of the text-embed caches.")
          .def("cache")
          .built(),
      Decl("cache_dir_vae", T::kPath, "data", "Root of the latent caches.").def("").built(),
      Decl("cache_dir", T::kPath, "data", "Root of all caches.").built(),
      Decl("compress_disk_cache", T::kBool, "data", "gzip cache files.").def("true").built(),
      Decl("vae_batch_size", T::kInt, "data", "VAE encode batch.").def("4").at_least(1).built(),
      Decl("vae_cache_ondemand", T::kBool, "data",
           "Encode latents lazily (legacy: vae_cache_preprocess false).")
          .def("false"),
      Decl("vae_cache_disable", T::kBool, "data", "Do not cache latents.").def("false"),
      Decl("delete_problematic_images", T::kBool, "data", "Delete unreadable or too-small files.")
          .def("false")
          .built(),
      Decl("disable_bucket_pruning", T::kBool, "data", "Skip pruning small buckets.")
          .def("false")
          .built(),
      Decl("allow_dataset_oversubscription", T::kBool, "data",
           "Repeat the samples of a bucket that is too small for one batch.")
          .def("false")
          .built(),

      // memory
      Decl("enable_group_offload", T::kBool, "memory",
           "Diffusers-style group offload; excludes ramtorch.")
          .def("false"),
      Decl("group_offload_type", T::kEnum, "memory", "Offload granularity.")
          .def("block_level")
          .one_of({"block_level", "leaf_level"}),
      Decl("group_offload_blocks_per_group", T::kInt, "memory", "Blocks per offload group.")
          .def("1")
          .at_least(1),
      Decl("group_offload_use_stream", T::kBool, "memory", "Overlap transfers on a CUDA stream.")
          .def("false"),
      Decl("group_offload_to_disk_path", T::kPath, "memory", "Offload to this folder.").def(""),
      Decl("ramtorch", T::kBool, "memory", "RamTorch CPU offload; excludes group offload.")
          .def("false"),
      Decl("enable_chunked_feed_forward", T::kBool, "memory",
           "Run the feed-forward layers in chunks.")
          .def("false"),
      Decl("feed_forward_chunk_size", T::kInt, "memory", "Chunk size; unset = auto.")
          .at_least(1)
          .empty_ok(),
      Decl("offload_during_startup", T::kBool, "memory", "Keep models on CPU while caching.")
          .def("false")
          .built(),
      Decl("vae_enable_tiling", T::kBool, "memory", "Tiled VAE; forced true for Wan.").def("true"),
      Decl("vae_enable_slicing", T::kBool, "memory", "Sliced VAE; forced true for Wan.")
          .def("true"),

      // logging
      Decl("log_level", T::kEnum, "logging", "Reel's log level.")
          .def("info")
          .one_of({"trace", "debug", "info", "warn", "error", "off"})
          .built(),
      Decl("report_to", T::kEnum, "logging", "Metric sinks.").def("none").built(),
      Decl("tracker_project_name", T::kString, "logging", "Tracker project.").def("simpletuner"),
      Decl("tracker_run_name", T::kString, "logging", "Tracker run.").def("simpletuner-testing"),
      Decl("webhook_config", T::kPathOrJson, "logging",
           "Webhook configuration: a JSON file or the JSON inline.")
          .built(),
      Decl("webhook_reporting_interval", T::kInt, "logging", "Webhook report every N steps.")
          .at_least(1)
          .built(),

      // publishing
      Decl("push_to_hub", T::kBool, "publishing",
           "Upload to the Hugging Face hub (accepted, no-op in Reel).")
          .def("false"),
      Decl("push_checkpoints_to_hub", T::kBool, "publishing",
           "Upload checkpoints (accepted, no-op in Reel).")
          .def("false"),
      Decl("hub_model_id", T::kString, "publishing", "Hub repository name."),
  };
  std::vector<Option> out;
  out.reserve(d.size());
  for (auto& decl : d) out.push_back(decl.take());
  return out;
}

}  // namespace

const std::vector<Option>& reel_options() {
  static const std::vector<Option> table = declare();
  return table;
}

}  // namespace reel
