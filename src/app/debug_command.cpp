// `reel debug ...`: developer tools that run one model part on given tensors, to compare
// Reel with the reference implementations tensor by tensor.
//
//   reel debug forward transformer --weights Wan2.1-T2V-1.3B-Diffusers
//       --inputs in.safetensors --output out.safetensors --dtype bf16
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "app/debug_inputs.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/log.h"
#include "core/safetensors.h"
#include "core/safetensors_writer.h"
#include "core/shape_text.h"
#include "models/wan/wan_config_io.h"
#include "models/wan/wan_transformer_loader.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

struct ForwardArgs {
  std::string weights, inputs, output;
  std::string dtype = "fp32";
  std::string device = "cpu";
  std::string subfolder;
  std::string prefix;
  int64_t num_heads = 0;
};

const char* const kInputsHelp =
    "hidden_states [B, in_channels, F, H, W], timestep [B] or [B, tokens], "
    "encoder_hidden_states [B, L, text_dim], and for Wan 2.1 I2V encoder_hidden_states_image "
    "[B, 257, image_dim]";

// The model's inputs from the file, checked against the config before anything is loaded.
WanInputs read_inputs(const ForwardArgs& a, const WanConfig& c) {
  const DebugInputs file(a.inputs, a.prefix, kInputsHelp);
  auto fail = [&](const std::string& name, const std::string& message) {
    return file.error(name, message);
  };
  auto get = [&](const std::string& name, bool required) -> at::Tensor {
    at::Tensor t = file.get(name, required);
    if (t.defined() && !at::isFloatingType(t.scalar_type())) {
      throw fail(name, std::string("expected floating-point values, found ") +
                           c10::toString(t.scalar_type()));
    }
    return t;
  };

  WanInputs in;
  in.hidden_states = get("hidden_states", true);
  const at::Tensor& hs = in.hidden_states;
  const auto& p = c.patch_size;
  if (hs.dim() != 5 || hs.size(1) != c.in_channels || hs.size(2) % p[0] != 0 ||
      hs.size(3) % p[1] != 0 || hs.size(4) % p[2] != 0) {
    throw fail("hidden_states",
               "shape " + shape_text(hs.sizes()) + " is not [B, " + std::to_string(c.in_channels) +
                   ", F, H, W] with F, H, W multiples of the patch " + shape_text(p));
  }
  const int64_t batch = hs.size(0);
  const int64_t tokens = (hs.size(2) / p[0]) * (hs.size(3) / p[1]) * (hs.size(4) / p[2]);
  const std::string b = std::to_string(batch);

  in.timestep = get("timestep", true);
  const at::Tensor& t = in.timestep;
  if (!(t.dim() == 1 && t.size(0) == batch) &&
      !(t.dim() == 2 && t.size(0) == batch && t.size(1) == tokens)) {
    throw fail("timestep", "shape " + shape_text(t.sizes()) + " is neither [" + b + "] nor [" + b +
                               ", " + std::to_string(tokens) + "] (one per token)");
  }
  in.encoder_hidden_states = get("encoder_hidden_states", true);
  const at::Tensor& text = in.encoder_hidden_states;
  if (text.dim() != 3 || text.size(0) != batch || text.size(2) != c.text_dim) {
    throw fail("encoder_hidden_states", "shape " + shape_text(text.sizes()) + " is not [" + b +
                                            ", L, " + std::to_string(c.text_dim) + "]");
  }
  in.encoder_hidden_states_image = get("encoder_hidden_states_image", c.has_image_branch());
  const at::Tensor& img = in.encoder_hidden_states_image;
  if (img.defined() && !c.has_image_branch()) {
    throw fail("encoder_hidden_states_image",
               "this transformer has no image branch (only Wan 2.1 I2V has one); leave the "
               "image input out");
  }
  if (img.defined() && (img.dim() != 3 || img.size(0) != batch || img.size(2) != *c.image_dim)) {
    throw fail("encoder_hidden_states_image", "shape " + shape_text(img.sizes()) + " is not [" + b +
                                                  ", 257, " + std::to_string(*c.image_dim) + "]");
  }
  return in;
}

at::ScalarType compute_dtype(const std::string& name) {
  at::ScalarType t = parse_dtype(name);
  if (t != at::kFloat && t != at::kBFloat16 && t != at::kHalf) {
    throw Error("the transformer runs in fp32, bf16 or fp16, not " + name).key("--dtype");
  }
  return t;
}

at::Device parse_device(const std::string& name) {
  try {
    return at::Device(name);
  } catch (const c10::Error&) {
    throw Error("not a device: '" + name + "'").key("--device").hint("cpu, cuda or cuda:N");
  }
}

void forward_transformer(const ForwardArgs& a) {
  WanLoadOptions options;
  options.dtype = compute_dtype(a.dtype);
  options.device = parse_device(a.device);
  options.subfolder = a.subfolder;
  if (a.num_heads > 0) options.num_heads = a.num_heads;

  // The config first, so that bad inputs fail before a large model is read.
  const WanCheckpoint checkpoint = open_wan_checkpoint(a.weights, options);
  WanInputs in = read_inputs(a, checkpoint.config);
  WanTransformer model = load_wan_transformer(checkpoint, options);

  for (at::Tensor* t : {&in.hidden_states, &in.timestep, &in.encoder_hidden_states,
                        &in.encoder_hidden_states_image}) {
    if (t->defined()) *t = t->to(options.device);
  }
  WanRunOptions run;
  run.compute_dtype = options.dtype;
  WanOutputs out;
  {
    c10::InferenceMode no_grad;
    out = model.forward(in, run);
  }
  std::vector<std::pair<std::string, at::Tensor>> tensors = {
      {"sample", out.sample.to(at::kFloat)},
      {"temb", out.temb.to(at::kFloat)},
      {"timestep_proj", out.timestep_proj.to(at::kFloat)}};
  write_safetensors(
      a.output, tensors,
      {{"weights", a.weights}, {"inputs", a.inputs}, {"dtype", dtype_name(options.dtype)}});
  std::cout << "sample " << shape_text(out.sample.sizes()) << ", temb "
            << shape_text(out.temb.sizes()) << ", timestep_proj "
            << shape_text(out.timestep_proj.sizes()) << " -> " << a.output << "\n";
}

}  // namespace

void add_debug_command(CLI::App& app, int& exit_code) {
  CLI::App* debug =
      app.add_subcommand("debug", "Developer tools: run one model part on given tensors");
  debug->require_subcommand(1);
  CLI::App* forward = debug->add_subcommand("forward", "Run a model part's forward pass");
  forward->require_subcommand(1);
  add_debug_encoder_commands(*forward, exit_code);
  add_encode_prompt_command(*debug, exit_code);
  add_debug_decode_command(*debug, exit_code);
  add_debug_scheduler_command(*debug, exit_code);

  // Owned by the callback (so by the app): every parse starts from the defaults.
  auto args_ptr = std::make_shared<ForwardArgs>();
  ForwardArgs& args = *args_ptr;
  CLI::App* t = forward->add_subcommand(
      "transformer",
      "Run the Wan transformer on tensors from a .safetensors file and save its "
      "outputs (sample, temb, timestep_proj)");
  t->add_option("--weights", args.weights,
                "A diffusers model or transformer folder, or an official / ComfyUI "
                ".safetensors file")
      ->required();
  t->add_option("--inputs", args.inputs, std::string("A .safetensors file with ") + kInputsHelp)
      ->required();
  t->add_option("--output", args.output, "Where to write sample, temb and timestep_proj")
      ->required();
  t->add_option("--dtype", args.dtype, "Weights and compute dtype: fp32, bf16 or fp16")
      ->capture_default_str();
  t->add_option("--device", args.device, "cpu, cuda or cuda:N")->capture_default_str();
  t->add_option("--subfolder", args.subfolder,
                "The transformer's folder in a diffusers pipeline (default: transformer; "
                "transformer_2 for Wan 2.2's low-noise expert; none: the folder itself)");
  t->add_option("--num_heads", args.num_heads,
                "Attention heads of a single-file model whose width is not a released one");
  t->add_option("--input_prefix", args.prefix,
                "A prefix of the input names, e.g. case1/ for a fixture's cases file");
  t->callback([&exit_code, args_ptr] {
    forward_transformer(*args_ptr);
    exit_code = 0;
  });
}

}  // namespace reel
