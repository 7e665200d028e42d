// `reel sample --model PATH [--lora FILE[:SCALE] ...] --prompt TEXT [--negative TEXT]
// [--steps N --guidance G --frames F --resolution WxH --seed S --shift S --scheduler NAME
// --fps F] --output out.mp4`: text-to-video with the base model and any adapters, merged
// into the weights at their scales.
#include <CLI/CLI.hpp>
#include <iostream>

#include "adapters/adapter_network.h"
#include "adapters/lora_file.h"
#include "app/commands.h"
#include "core/error.h"
#include "core/log.h"
#include "media/video_encoder.h"
#include "models/component_path.h"
#include "models/text/prompt_encoder.h"
#include "models/wan/wan_transformer_loader.h"
#include "models/wan/wan_vae_loader.h"
#include "sample/text_to_video.h"

namespace reel {
namespace {

struct SampleArgs {
  std::string model, output, resolution = "832x480";
  std::vector<std::string> loras;
  VideoRequest request;
  double fps = 16;
};

void parse_resolution(const std::string& text, VideoRequest& r) {
  const auto x = text.find('x');
  try {
    if (x == std::string::npos) throw std::invalid_argument(text);
    r.width = std::stoll(text.substr(0, x));
    r.height = std::stoll(text.substr(x + 1));
  } catch (const std::exception&) {
    throw Error("resolution '" + text + "' is not WIDTHxHEIGHT")
        .key("--resolution")
        .hint("e.g. --resolution 832x480");
  }
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

void run_sample(SampleArgs a) {
  parse_resolution(a.resolution, a.request);
  // Checked before any weights load: the VAE's config gives the pixel multiple (Wan's patch
  // is 2 latent pixels), so a bad size fails in a second, not after loading 14B weights.
  const ComponentPath vae_path = find_component(a.model, "vae");
  if (!vae_path.config.empty()) {
    check_video_request(a.request, read_wan_vae_config(vae_path.config).spatial_factor() * 2);
  }
  WanTransformer transformer = load_wan_transformer(a.model);
  for (const std::string& spec : a.loras) {
    auto [file, scale] = lora_and_scale(spec);
    AdapterNetwork net = AdapterNetwork::from_weights(transformer, load_adapter_file(file).modules);
    net.set_multiplier(scale);
    net.merge_into_base();
    log::info("merged ", file, " at scale ", scale, " (", net.size(), " modules)");
  }
  WanVae vae = load_wan_vae(a.model);
  PromptEncoder prompts = PromptEncoder::load(a.model, a.model);
  check_video_request(a.request,
                      vae.config().spatial_factor() * transformer.config().patch_size[1]);
  const at::Tensor frames = text_to_video(transformer, vae, prompts, a.request);
  EncodeOptions encode;
  encode.fps = a.fps;
  encode_mp4(a.output, frames, encode);
  std::cout << frames.size(0) << " frames " << a.request.width << "x" << a.request.height << " at "
            << a.fps << " fps -> " << a.output << "\n";
}

}  // namespace

void add_sample_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SampleArgs>();
  CLI::App* cmd = app.add_subcommand("sample", "Render a video with the base model and adapters");
  cmd->add_option("--model", args->model, "Diffusers pipeline folder")->required();
  cmd->add_option("--lora", args->loras, "Adapter file, optionally FILE:SCALE (repeatable)");
  cmd->add_option("--prompt", args->request.prompt, "The prompt")->required();
  cmd->add_option("--negative", args->request.negative_prompt, "Negative prompt");
  cmd->add_option("--steps", args->request.steps, "Sampling steps")->capture_default_str();
  cmd->add_option("--guidance", args->request.guidance, "CFG scale (<= 1: none)")
      ->capture_default_str();
  cmd->add_option("--frames", args->request.frames, "Frames, 4k+1")->capture_default_str();
  cmd->add_option("--resolution", args->resolution, "WIDTHxHEIGHT")->capture_default_str();
  cmd->add_option("--seed", args->request.seed, "Noise seed")->capture_default_str();
  cmd->add_option("--shift", args->request.shift, "Flow shift")->capture_default_str();
  cmd->add_option("--scheduler", args->request.scheduler,
                  "unipc, unipc-wan, euler, euler-st, euler-betas or dpm++")
      ->capture_default_str();
  cmd->add_option("--fps", args->fps, "Frames per second of the mp4")->capture_default_str();
  cmd->add_option("--output", args->output, "The .mp4 to write")->required();
  cmd->callback([args, &exit_code] {
    run_sample(*args);
    exit_code = 0;
  });
}

}  // namespace reel
