// One function per subcommand (each in its own <name>_command.cpp) that adds the command to
// the `reel` app. A command's callback does the work and reports failure by throwing
// reel::Error; its exit code goes into `exit_code`.
#pragma once

namespace CLI {
class App;
}

namespace reel {

void add_inspect_command(CLI::App& app, int& exit_code);
void add_config_command(CLI::App& app, int& exit_code);
// debug forward transformer: runs a model part on tensors from a file (parity checks).
void add_debug_command(CLI::App& app, int& exit_code);
// The encoders' `reel debug forward ...` commands, added to debug's `forward`.
void add_debug_encoder_commands(CLI::App& forward, int& exit_code);
void add_encode_prompt_command(CLI::App& debug, int& exit_code);
// debug decode: a video or image to RGB frames in a .safetensors file.
void add_debug_decode_command(CLI::App& debug, int& exit_code);
// debug scheduler: a sampler's timesteps, sigmas and trajectory on a stand-in model.
void add_debug_scheduler_command(CLI::App& debug, int& exit_code);
// cache: scan the datasets and fill the text-embed, latent and image-embed caches.
void add_cache_command(CLI::App& app, int& exit_code);
// train: prepare the caches, train, checkpoint, write the adapter.
void add_train_command(CLI::App& app, int& exit_code);
// sample: text-to-video with the base model and adapters, to an mp4.
void add_sample_command(CLI::App& app, int& exit_code);
// configure, lora, serve: declared so that `--help` shows the whole
// tool, and each says plainly that it is not built yet.
void add_planned_commands(CLI::App& app, int& exit_code);

}  // namespace reel
