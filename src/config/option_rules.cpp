#include "config/option_rules.h"

#include <filesystem>

#include "config/option_value.h"
#include "config/wan_flavour.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Small accessors over the value map, so each rule below reads as the spec's sentence.
class Rules {
 public:
  Rules(ValueMap& values, Diagnostics& diags) : values_(values), diags_(diags) {}

  bool has(const std::string& k) const { return values_.count(k) > 0; }
  bool user(const std::string& k) const { return user_set(values_, k); }
  const json& at(const std::string& k) const { return values_.at(k).value; }
  double number(const std::string& k, double fallback = 0) const {
    return has(k) && at(k).is_number() ? at(k).get<double>() : fallback;
  }
  bool flag(const std::string& k) const {
    return has(k) && at(k).is_boolean() && at(k).get<bool>();
  }
  std::string text(const std::string& k) const { return has(k) ? value_text(at(k)) : ""; }

  void report(Severity severity, const std::string& key, std::string message,
              std::string hint = "") {
    std::string origin = has(key) ? diagnostic_origin(values_.at(key).source) : "";
    diags_.push_back({severity, origin, key, std::move(message), std::move(hint)});
  }
  void derive(const std::string& k, json v, const std::string& from) {
    if (!has(k)) values_[k] = {std::move(v), {SourceKind::kDefault, from}};
  }
  // Forces `k` to `v`; warns when that overrides a different value the user gave, unless
  // the caller has already said why.
  void force(const std::string& k, const json& v, const std::string& reason, bool warn = true) {
    if (warn && user(k) && at(k) != v) {
      report(Severity::kWarning, k,
             reason + " forces " + k + " " + value_text(v) + "; " + value_text(at(k)) +
                 " is overridden");
    }
    if (!has(k) || at(k) != v) values_[k] = {v, {SourceKind::kRule, reason}};
  }
  // Removes `k`; warns when the user had set it.
  void clear(const std::string& k, const std::string& reason) {
    if (user(k))
      report(Severity::kWarning, k, reason + " turns off " + k + "; the value is ignored");
    values_.erase(k);
  }

 private:
  ValueMap& values_;
  Diagnostics& diags_;
};

void derived_defaults(Rules& r, const WanFlavour& f) {
  const std::string from_flavour = "flavour " + f.name;
  if (!f.repo.empty()) r.derive("pretrained_model_name_or_path", f.repo, from_flavour);
  if (r.has("pretrained_model_name_or_path")) {
    json base = r.at("pretrained_model_name_or_path");
    for (const char* k :
         {"pretrained_transformer_model_name_or_path", "pretrained_vae_model_name_or_path",
          "pretrained_t5_model_name_or_path"}) {
      r.derive(k, base, "pretrained_model_name_or_path");
    }
  }
  if (f.boundary_ratio) r.derive("wan_boundary_ratio", *f.boundary_ratio, from_flavour);
  if (r.has("lora_rank")) r.derive("lora_alpha", r.at("lora_rank").get<double>(), "lora_rank");
  r.derive("validation_num_video_frames", 81, "Wan");
}

void stage_flavour(Rules& r, const WanFlavour& f) {
  if (f.stage.empty()) return;
  const std::string reason = "flavour " + f.name;
  if (!f.transformer_subfolder.empty()) {
    r.force("pretrained_transformer_subfolder", f.transformer_subfolder, reason);
  }
  if (f.forced_shift) r.force("flow_schedule_shift", *f.forced_shift, reason);
  if (f.forced_steps) r.force("validation_num_inference_steps", *f.forced_steps, reason);
  if (f.forced_guidance) r.force("validation_guidance", *f.forced_guidance, reason);
  for (const char* k : {"validation_guidance_skip_layers", "validation_guidance_skip_layers_start",
                        "validation_guidance_skip_layers_stop", "validation_guidance_skip_scale"}) {
    r.clear(k, reason);
  }
}

void wan_forced(Rules& r, const WanFlavour& f) {
  // Wan's VAE and patching need 32-pixel buckets; the 5B model's 48-channel VAE needs 64.
  const int alignment = f.kind == "ti2v" ? 64 : 32;
  r.force("aspect_bucket_alignment", alignment, "Wan (" + f.name + ")");
  if (r.user("tokenizer_max_length")) {
    r.report(Severity::kWarning, "tokenizer_max_length",
             "Wan always uses 512 tokens; tokenizer_max_length " + r.text("tokenizer_max_length") +
                 " is ignored");
  }
  r.force("tokenizer_max_length", 512, "Wan", false);
  for (const char* k :
       {"validation_disable_unconditional", "vae_enable_tiling", "vae_enable_slicing"}) {
    r.force(k, true, "Wan");
  }
}

void schedule_rules(Rules& r, const WanFlavour& f) {
  if (r.number("max_train_steps") > 0 && r.number("num_train_epochs") > 0) {
    r.report(Severity::kError, "max_train_steps",
             "max_train_steps " + r.text("max_train_steps") + " and num_train_epochs " +
                 r.text("num_train_epochs") + " are both set",
             "set num_train_epochs to 0 to train for max_train_steps");
  }
  if (r.number("max_train_steps") <= 0 && !r.flag("strict_epoch_limit")) {
    if (r.user("strict_epoch_limit")) {
      r.report(Severity::kWarning, "strict_epoch_limit",
               "strict_epoch_limit false has no effect without max_train_steps; the epoch "
               "limit applies");
    }
    r.force("strict_epoch_limit", true, "max_train_steps is unset", false);
  }
  if (r.text("lr_scheduler") == "constant" && r.number("lr_warmup_steps") > 0) {
    r.report(Severity::kNotice, "lr_scheduler",
             "lr_scheduler constant with lr_warmup_steps " + r.text("lr_warmup_steps") +
                 " becomes constant_with_warmup, as SimpleTuner does");
    r.force("lr_scheduler", "constant_with_warmup", "lr_warmup_steps > 0", false);
  }
  if (r.flag("flow_schedule_auto_shift") && r.number("flow_schedule_shift") > 0) {
    if (r.user("flow_schedule_shift") || !f.stage.empty()) {
      r.report(Severity::kWarning, "flow_schedule_shift",
               "flow_schedule_shift " + r.text("flow_schedule_shift") +
                   " is ignored because flow_schedule_auto_shift is on; the shift is set to 0");
    }
    json zero = 0.0;
    r.force("flow_schedule_shift", zero, "flow_schedule_auto_shift", false);
  }
  if (r.has("caption_dropout_probability") && r.number("caption_dropout_probability") == 0) {
    r.report(Severity::kWarning, "caption_dropout_probability",
             "caption_dropout_probability is 0: classifier-free guidance will suffer",
             "keep it around 0.1");
  }
  if (r.has("optimizer_beta1") != r.has("optimizer_beta2")) {
    const char* given = r.has("optimizer_beta1") ? "optimizer_beta1" : "optimizer_beta2";
    r.report(Severity::kError, given,
             "optimizer_beta1 and optimizer_beta2 must be set together or not at all");
  }
}

void model_rules(Rules& r) {
  if (!r.has("model_family")) {
    r.report(Severity::kError, "model_family", "model_family is required", "set it to wan");
  }
  if (r.text("base_model_precision") == "fp8-quanto") {
    r.report(Severity::kError, "base_model_precision", "fp8-quanto does not work with Wan",
             "use int8-quanto, int8-torchao or fp8-torchao");
  }
  if (r.flag("ramtorch") && r.flag("enable_group_offload")) {
    r.report(Severity::kError, "enable_group_offload",
             "enable_group_offload and ramtorch are mutually exclusive", "choose one offload");
  }
  for (const char* k : {"push_to_hub", "push_checkpoints_to_hub"}) {
    if (r.flag(k)) {
      r.report(Severity::kNotice, k,
               std::string(k) +
                   " is accepted but Reel does not upload to the hub yet; nothing "
                   "is pushed");
    }
  }
}

void validation_rules(Rules& r, const WanFlavour& f) {
  // Only a value the user chose is worth a warning; the inherited default (30) is ST's.
  if (f.stage.empty() && r.user("validation_num_inference_steps")) {
    double steps = r.number("validation_num_inference_steps");
    if (steps < 40 || steps > 50) {
      r.report(Severity::kWarning, "validation_num_inference_steps",
               "validation_num_inference_steps " + r.text("validation_num_inference_steps") +
                   " is outside Wan's useful range 40..50");
    }
  }
  if (r.number("validation_num_video_frames") > 81) {
    r.report(Severity::kWarning, "validation_num_video_frames",
             "validation_num_video_frames " + r.text("validation_num_video_frames") +
                 " is more than Wan renders; 81 frames are used");
  }
}

void file_checks(Rules& r, const std::string& working_dir) {
  auto missing = [&](const std::string& k) {
    fs::path p(r.text(k));
    if (p.is_relative() && !working_dir.empty()) p = fs::path(working_dir) / p;
    std::error_code ec;
    return !fs::exists(p, ec);
  };
  auto message = [&](const std::string& k) {
    return k + " names \"" + r.text(k) + "\", which does not exist";
  };
  for (const char* k : {"data_backend_config", "user_prompt_library", "init_lora"}) {
    if (r.has(k) && missing(k)) r.report(Severity::kError, k, message(k));
  }
  if (r.has("webhook_config") && r.at("webhook_config").is_string() && missing("webhook_config")) {
    r.report(Severity::kError, "webhook_config", message("webhook_config"));
  }
  if (r.has("lycoris_config") && missing("lycoris_config")) {
    if (r.text("lora_type") == "lycoris") {
      r.report(Severity::kError, "lycoris_config", message("lycoris_config"));
    } else if (r.user("lycoris_config")) {
      r.report(
          Severity::kWarning, "lycoris_config",
          message("lycoris_config") + " (unused while lora_type is " + r.text("lora_type") + ")");
    }
  }
  if (!r.has("data_backend_config")) {
    r.report(Severity::kError, "data_backend_config", "data_backend_config is required",
             "point it at your multidatabackend.json");
  }
}

}  // namespace

void apply_option_rules(ValueMap& values, Diagnostics& diags, const std::string& working_dir) {
  Rules r(values, diags);
  const WanFlavour* flavour = find_wan_flavour(r.text("model_flavour"));
  if (!flavour) flavour = find_wan_flavour(kDefaultWanFlavour);
  model_rules(r);
  stage_flavour(r, *flavour);
  derived_defaults(r, *flavour);
  wan_forced(r, *flavour);
  schedule_rules(r, *flavour);
  validation_rules(r, *flavour);
  file_checks(r, working_dir);
}

}  // namespace reel
