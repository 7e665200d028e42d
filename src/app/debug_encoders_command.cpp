// `reel debug forward vae-encode|vae-decode|text-encoder|clip-vision`: run one encoder on
// named tensors from a .safetensors file and save what it returns, to compare with a
// reference tensor by tensor; and `reel debug encode-prompt`: prompts to the embeddings the
// transformer is given.
#include <c10/core/InferenceMode.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "app/debug_inputs.h"
#include "core/dtype.h"
#include "core/safetensors_writer.h"
#include "core/shape_text.h"
#include "models/text/prompt_encoder.h"
#include "models/text/umt5_encoder_loader.h"
#include "models/vision/clip_vision_loader.h"
#include "models/wan/wan_vae_loader.h"

namespace reel {
namespace {

struct EncoderArgs {
  std::string weights, inputs, output, prefix;
  std::string dtype = "fp32";
  std::string device = "cpu";
};

using Outputs = std::vector<std::pair<std::string, at::Tensor>>;

void save(const EncoderArgs& a, const Outputs& outputs) {
  Outputs saved;
  std::string summary;
  for (const auto& [name, t] : outputs) {
    // Floating outputs as float32 whatever the compute dtype; ids and masks stay integers.
    at::ScalarType type = at::isFloatingType(t.scalar_type()) ? at::kFloat : t.scalar_type();
    saved.emplace_back(name, t.to(at::kCPU, type).contiguous());
    summary += (summary.empty() ? "" : ", ") + name + " " + shape_text(t.sizes());
  }
  write_safetensors(a.output, saved, {{"weights", a.weights}, {"inputs", a.inputs}});
  std::cout << summary << " -> " << a.output << "\n";
}

at::Tensor floats(const DebugInputs& in, const std::string& name, int64_t dims,
                  const std::string& shape) {
  at::Tensor t = in.get(name);
  if (!at::isFloatingType(t.scalar_type()) || t.dim() != dims) {
    throw in.error(name, "expected floating-point " + shape + ", got " +
                             c10::toString(t.scalar_type()) + " " + shape_text(t.sizes()));
  }
  return t;
}

void vae_encode(const EncoderArgs& a) {
  const DebugInputs in(a.inputs, a.prefix, "video [B, 3, F, H, W] in [-1, 1]");
  at::Tensor video = floats(in, "video", 5, "[B, 3, F, H, W]");
  at::Device device(a.device);
  WanVae vae = load_wan_vae(a.weights, parse_dtype(a.dtype), device);
  c10::InferenceMode no_grad;
  WanVaePosterior p = vae.encode(video.to(device, parse_dtype(a.dtype)));
  save(a, {{"mean", p.mean}, {"logvar", p.logvar}, {"latents", vae.normalize(p.mean)}});
}

void vae_decode(const EncoderArgs& a) {
  const DebugInputs in(a.inputs, a.prefix, "latents [B, z_dim, T, h, w] (raw, not normalised)");
  at::Tensor latents = floats(in, "latents", 5, "[B, z_dim, T, h, w]");
  at::Device device(a.device);
  WanVae vae = load_wan_vae(a.weights, parse_dtype(a.dtype), device);
  c10::InferenceMode no_grad;
  save(a, {{"video", vae.decode(latents.to(device, parse_dtype(a.dtype)))}});
}

void text_encoder(const EncoderArgs& a) {
  const DebugInputs in(a.inputs, a.prefix, "input_ids [B, L] and attention_mask [B, L] (int64)");
  at::Tensor ids = in.get("input_ids");
  at::Tensor mask = in.get("attention_mask");
  if (ids.dim() != 2 || at::isFloatingType(ids.scalar_type())) {
    throw in.error("input_ids", "expected integer [B, L], got " + shape_text(ids.sizes()));
  }
  if (mask.sizes() != ids.sizes()) {
    throw in.error("attention_mask", "shape " + shape_text(mask.sizes()) +
                                         " differs from input_ids " + shape_text(ids.sizes()));
  }
  Umt5LoadOptions options;
  options.dtype = parse_dtype(a.dtype);
  options.device = at::Device(a.device);
  Umt5Encoder encoder = load_umt5_encoder(a.weights, options);
  Umt5RunOptions run;
  run.compute_dtype = options.dtype;
  c10::InferenceMode no_grad;
  save(a, {{"last_hidden_state", encoder.forward(ids.to(options.device, at::kLong),
                                                 mask.to(options.device, at::kLong), run)}});
}

void clip_vision(const EncoderArgs& a) {
  const DebugInputs in(a.inputs, a.prefix, "pixel_values [B, 3, S, S] (preprocessed)");
  at::Tensor pixels = floats(in, "pixel_values", 4, "[B, 3, S, S]");
  ClipVisionLoadOptions options;
  options.dtype = parse_dtype(a.dtype);
  options.device = at::Device(a.device);
  ClipVisionModel model = load_clip_vision(a.weights, options);
  ClipVisionRunOptions run;
  run.compute_dtype = options.dtype;
  c10::InferenceMode no_grad;
  save(a,
       {{"hidden_states",
         model.forward(pixels.to(options.device, options.dtype), run).penultimate_hidden_state}});
}

void add(CLI::App& forward, int& exit_code, const char* name, const char* help, const char* outputs,
         std::function<void(const EncoderArgs&)> run) {
  auto args = std::make_shared<EncoderArgs>();
  CLI::App* cmd = forward.add_subcommand(name, help);
  cmd->add_option("--weights", args->weights, "A diffusers / transformers folder or a single file")
      ->required();
  cmd->add_option("--inputs", args->inputs, "A .safetensors file with the inputs")->required();
  cmd->add_option("--output", args->output, std::string("Where to write ") + outputs)->required();
  cmd->add_option("--dtype", args->dtype, "fp32, bf16 or fp16")->capture_default_str();
  cmd->add_option("--device", args->device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--input_prefix", args->prefix,
                  "A prefix of the input names, e.g. video/ for a fixture's cases file");
  cmd->callback([&exit_code, args, run] {
    run(*args);
    exit_code = 0;
  });
}

}  // namespace

void add_debug_encoder_commands(CLI::App& forward, int& exit_code) {
  add(forward, exit_code, "vae-encode",
      "Encode `video` [B, 3, F, H, W] in [-1, 1] with the Wan VAE: the raw posterior `mean`, "
      "`logvar` and the normalised `latents`",
      "mean, logvar and latents", vae_encode);
  add(forward, exit_code, "vae-decode",
      "Decode raw `latents` with the Wan VAE into `video` clamped to [-1, 1]", "video", vae_decode);
  add(forward, exit_code, "text-encoder",
      "Run the UMT5 text encoder on `input_ids` and `attention_mask`: its `last_hidden_state`",
      "last_hidden_state", text_encoder);
  add(forward, exit_code, "clip-vision",
      "Run the CLIP vision encoder on `pixel_values`: the penultimate `hidden_states`",
      "hidden_states", clip_vision);
}

void add_encode_prompt_command(CLI::App& debug, int& exit_code) {
  struct Args {
    std::string model, output, dtype = "fp32", device = "cpu";
    int64_t max_length = 512;
    std::vector<std::string> prompts;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = debug.add_subcommand(
      "encode-prompt",
      "Tokenize and encode prompts as the Wan pipeline does: input_ids, attention_mask and "
      "prompt_embeds (trimmed to each prompt's length and zero-padded), one row per prompt");
  cmd->add_option("--model", args->model,
                  "A diffusers model folder with tokenizer/ and text_encoder/")
      ->required();
  cmd->add_option("--max-length,--max_length", args->max_length, "Token length (Wan: 512)")
      ->capture_default_str();
  cmd->add_option("--output", args->output, "Where to write the tensors")->required();
  cmd->add_option("--dtype", args->dtype, "fp32, bf16 or fp16")->capture_default_str();
  cmd->add_option("--device", args->device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("PROMPT", args->prompts, "The prompts (\"\" is the empty prompt)")->required();
  cmd->callback([&exit_code, args] {
    Umt5LoadOptions options;
    options.dtype = parse_dtype(args->dtype);
    options.device = at::Device(args->device);
    const std::filesystem::path model(args->model);
    PromptEncoder encoder =
        PromptEncoder::load(model / "tokenizer", model / "text_encoder", options);
    Umt5RunOptions run;
    run.compute_dtype = options.dtype;
    c10::InferenceMode no_grad;
    PromptEmbeddings e = encoder.encode_prompts(args->prompts, args->max_length, run);
    EncoderArgs out;
    out.weights = args->model;
    out.output = args->output;
    save(out, {{"input_ids", e.input_ids},
               {"attention_mask", e.attention_mask},
               {"prompt_embeds", e.prompt_embeds}});
    exit_code = 0;
  });
}

}  // namespace reel
