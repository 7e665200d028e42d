// `reel sample --model PATH [--lora FILE[:SCALE] ...] --prompt TEXT [--negative TEXT]
// [--image FILE] [--steps N --guidance G --frames F --resolution WxH --seed S --shift S
// --scheduler NAME --fps F] [--skip-layers 9,10 ...] --output out.mp4`: text- or
// image-to-video with the base model and any adapters, merged into the weights at their
// scales. A Wan 2.2 pipeline with transformer_2/ samples with both experts, switching at the
// boundary of its model_index.json.
#include <ATen/Context.h>
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "adapters/adapter_network.h"
#include "adapters/lora_file.h"
#include "app/commands.h"
#include "core/error.h"
#include "core/json_file.h"
#include "core/log.h"
#include "media/video_decoder.h"
#include "media/video_encoder.h"
#include "models/component_path.h"
#include "models/text/prompt_encoder.h"
#include "models/vision/clip_vision_loader.h"
#include "models/wan/wan_transformer_loader.h"
#include "models/wan/wan_vae_loader.h"
#include "sample/video_pipeline.h"
#include "sample/video_size.h"

namespace reel {
namespace {
namespace fs = std::filesystem;

struct SampleArgs {
  std::string model, output, resolution = "832x480", image, negative, prompt;
  std::string skip_mode = "sd3";
  std::vector<std::string> loras;
  std::vector<int64_t> skip_layers;
  VideoRequest request;
  double fps = 16;
};

void parse_resolution(const std::string& text, VideoRequest& r) {
  const auto size = text.find('x') == std::string::npos ? std::nullopt : parse_video_size(text);
  if (!size) {
    throw Error("resolution '" + text + "' is not WIDTHxHEIGHT")
        .key("--resolution")
        .hint("e.g. --resolution 832x480");
  }
  std::tie(r.width, r.height) = *size;
}

// "FILE" or "FILE:SCALE" (the scale after the last ':', when it parses as a number).
std::pair<std::string, double> lora_and_scale(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon != std::string::npos) {
    try {
      size_t used = 0;
      const double scale = std::stod(text.substr(colon + 1), &used);
      if (used == text.size() - colon - 1) return {text.substr(0, colon), scale};
    } catch (const std::exception&) {
    }
  }
  return {text, 1.0};
}

void merge_loras(WanTransformer& transformer, const std::vector<std::string>& loras) {
  for (const std::string& spec : loras) {
    auto [file, scale] = lora_and_scale(spec);
    AdapterNetwork net = AdapterNetwork::from_weights(transformer, load_adapter_file(file).modules);
    net.set_multiplier(scale);
    net.merge_into_base();
    log::info("merged ", file, " at scale ", scale, " (", net.size(), " modules)");
  }
}

// diffusers' boundary_ratio of a two-expert pipeline (model_index.json), 0.875 when unsaid.
double boundary_ratio(const fs::path& model) {
  const fs::path index = model / "model_index.json";
  if (!fs::exists(index)) return 0.875;
  const nlohmann::json j = read_json_object(index, "the pipeline's model_index.json");
  return j.contains("boundary_ratio") && j["boundary_ratio"].is_number()
             ? j["boundary_ratio"].get<double>()
             : 0.875;
}

void run_sample(SampleArgs a) {
  parse_resolution(a.resolution, a.request);
  a.request.skip_layers.layers = a.skip_layers;
  a.request.skip_layers.mode = parse_skip_layer_mode(a.skip_mode);
  // Checked before any weights load: the VAE's config gives the pixel multiple (Wan's patch
  // is 2 latent pixels), so a bad size fails in a second, not after loading 14B weights.
  const ComponentPath vae_path = find_component(a.model, "vae");
  if (!vae_path.config.empty()) {
    check_video_request(a.request, read_wan_vae_config(vae_path.config).spatial_factor() * 2);
  }
  // On a GPU when one is visible: bf16 weights and compute for the transformer and the text
  // encoder, as the official pipelines run them; the VAE stays float32.
  const bool cuda = at::hasCUDA();
  const at::Device device = cuda ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  const at::ScalarType dtype = cuda ? at::kBFloat16 : at::kFloat;
  a.request.compute_dtype = dtype;
  WanLoadOptions load;
  load.dtype = dtype;
  load.device = device;
  WanTransformer transformer = load_wan_transformer(a.model, load);
  merge_loras(transformer, a.loras);
  std::optional<WanTransformer> transformer_2;
  Denoisers denoisers{&transformer};
  if (fs::is_directory(fs::path(a.model) / "transformer_2")) {
    WanLoadOptions o = load;
    o.subfolder = "transformer_2";
    transformer_2.emplace(load_wan_transformer(a.model, o));
    merge_loras(*transformer_2, a.loras);
    denoisers.transformer_2 = &*transformer_2;
    denoisers.boundary_ratio = boundary_ratio(a.model);
    log::info("two experts: transformer (high noise) down to t = ", denoisers.boundary_ratio * 1000,
              ", then transformer_2");
  }
  const bool i2v = transformer.config().in_channels != transformer.config().out_channels;
  if (i2v && a.image.empty()) {
    throw Error("this model is image-to-video: it needs a first frame")
        .key("--image")
        .hint("pass --image FILE (an image or a video whose first frame is used)");
  }
  if (!i2v && !a.image.empty()) {
    throw Error("this model is text-to-video and takes no image").key("--image");
  }

  WanVae vae = load_wan_vae(a.model, at::kFloat, device);
  a.request.latent_factor = vae.config().spatial_factor();
  check_video_request(a.request, a.request.latent_factor * transformer.config().patch_size[1]);
  PromptEmbeds embeds;
  {
    Umt5LoadOptions text;
    text.dtype = dtype;
    text.device = device;
    Umt5RunOptions run;
    run.compute_dtype = dtype;
    PromptEncoder prompts = PromptEncoder::load(a.model, a.model, text);
    const at::Tensor e =
        prompts.encode_prompts({a.prompt, a.negative}, 512, run).prompt_embeds.to(device);
    embeds = {e.narrow(0, 0, 1), e.narrow(0, 1, 1)};
  }  // the text encoder is freed before sampling

  std::optional<ImageCondition> condition;
  if (i2v) {
    const at::Tensor image = decode_first_frame(a.image, static_cast<int>(a.request.width),
                                                static_cast<int>(a.request.height));
    std::optional<ClipVisionModel> clip;
    ClipPreprocessConfig clip_config;
    if (transformer.config().image_dim) {
      const ComponentPath encoder = find_component(a.model, "image_encoder");
      ClipVisionLoadOptions clip_load;
      clip_load.device = device;
      clip.emplace(load_clip_vision(encoder.weights, clip_load));
      clip_config = clip_preprocess_config_for(encoder.weights, *clip);
    }
    condition = encode_image_condition(vae, image, a.request.frames, device,
                                       clip ? &*clip : nullptr, &clip_config);
  }

  const at::Tensor latents =
      sample_video_latents(denoisers, embeds, condition ? &*condition : nullptr, a.request);
  const at::Tensor frames = decode_video(vae, latents);
  EncodeOptions encode;
  encode.fps = a.fps;
  encode_mp4(a.output, frames, encode);
  std::cout << frames.size(0) << " frames " << a.request.width << "x" << a.request.height << " at "
            << a.fps << " fps -> " << a.output << "\n";
}

}  // namespace

void add_sample_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SampleArgs>();
  VideoRequest& r = args->request;
  CLI::App* cmd = app.add_subcommand("sample", "Render a video with the base model and adapters");
  cmd->add_option("--model", args->model, "Diffusers pipeline folder")->required();
  cmd->add_option("--lora", args->loras, "Adapter file, optionally FILE:SCALE (repeatable)");
  cmd->add_option("--prompt", args->prompt, "The prompt")->required();
  cmd->add_option("--negative", args->negative, "Negative prompt");
  cmd->add_option("--image", args->image, "First frame (image or video) of an I2V model");
  cmd->add_option("--steps", r.steps, "Sampling steps")->capture_default_str();
  cmd->add_option("--guidance", r.guidance, "CFG scale (<= 1: none)")->capture_default_str();
  cmd->add_option("--guidance-2", r.guidance_2,
                  "CFG scale of the low-noise expert (Wan 2.2; <= 0: --guidance)")
      ->capture_default_str();
  cmd->add_option("--frames", r.frames, "Frames, 4k+1")->capture_default_str();
  cmd->add_option("--resolution", args->resolution, "WIDTHxHEIGHT")->capture_default_str();
  cmd->add_option("--seed", r.seed, "Noise seed")->capture_default_str();
  cmd->add_option("--shift", r.shift, "Flow shift")->capture_default_str();
  cmd->add_option("--scheduler", r.scheduler,
                  "unipc, unipc-wan, euler, euler-st, euler-betas or dpm++")
      ->capture_default_str();
  cmd->add_option("--skip-layers", args->skip_layers,
                  "Skip-layer guidance: blocks to skip (e.g. 9 or 9,10)")
      ->delimiter(',');
  cmd->add_option("--skip-start", r.skip_layers.start, "SLG window start (fraction of steps)")
      ->capture_default_str();
  cmd->add_option("--skip-stop", r.skip_layers.stop, "SLG window end (fraction of steps)")
      ->capture_default_str();
  cmd->add_option("--skip-scale", r.skip_layers.scale, "SLG scale (sd3 mode)")
      ->capture_default_str();
  cmd->add_option("--skip-mode", args->skip_mode, "sd3 or simpletuner")->capture_default_str();
  cmd->add_option("--fps", args->fps, "Frames per second of the mp4")->capture_default_str();
  cmd->add_option("--output", args->output, "The .mp4 to write")->required();
  cmd->callback([args, &exit_code] {
    run_sample(*args);
    exit_code = 0;
  });
}

}  // namespace reel
