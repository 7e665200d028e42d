// `reel train` from a config file on CPU with the tiny pipeline and clips: it trains and says
// where the adapter is, and a run killed (SIGKILL) after a checkpoint resumes with
// `--resume_from_checkpoint latest` to the losses and adapter of an uninterrupted run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ATen/ATen.h>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/run_reel.h"
#include "core/safetensors.h"
#include "media/media_info.h"
#include "support/temp_dir.h"
#include "test_paths.h"
#include "train/checkpoint_folders.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::contains;
using test::reel;
using test::Result;

const fs::path kSource = REEL_SOURCE_DIR;

class TrainCommand : public testing::Test {
 protected:
  void SetUp() override {
    json datasets = json::array();
    datasets.push_back({{"id", "tiny-clips"},
                        {"type", "local"},
                        {"dataset_type", "video"},
                        {"instance_data_dir", (kSource / "examples/tiny/clips").string()},
                        {"caption_strategy", "textfile"},
                        {"resolution", 96},
                        {"resolution_type", "pixel_area"},
                        {"cache_dir_vae", (dir_ / "cache/vae").string()},
                        {"video", {{"num_frames", 5}, {"min_frames", 5}}}});
    datasets.push_back({{"id", "text"},
                        {"type", "local"},
                        {"dataset_type", "text_embeds"},
                        {"default", true},
                        {"cache_dir", (dir_ / "cache/text").string()}});
    dir_.write("multidatabackend.json", datasets.dump(2));
    json config = {
        {"model_family", "wan"},
        {"model_type", "lora"},
        {"pretrained_model_name_or_path", (kSource / "examples/wan21-t2v-tiny").string()},
        {"data_backend_config", (dir_ / "multidatabackend.json").string()},
        {"train_batch_size", 1},
        {"gradient_accumulation_steps", 2},
        {"caption_dropout_probability", 0.25},
        {"lora_rank", 4},
        {"optimizer", "torch-adamw"},
        {"learning_rate", 1e-3},
        {"lr_scheduler", "constant"},
        {"max_grad_norm", 1.0},
        {"seed", 3},
        {"num_train_epochs", 0},
        {"max_train_steps", 80},
        {"checkpoint_step_interval", 10},
        {"checkpoints_total_limit", 3}};
    dir_.write("config.json", config.dump(2));
  }

  std::vector<std::string> args(const std::string& output) {
    return {"train", "--config", (dir_ / "config.json").string(), "--output_dir",
            (dir_ / output).string()};
  }

  std::vector<double> losses(const std::string& output) {
    std::vector<double> out;
    std::ifstream in(dir_ / output / "metrics.jsonl");
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line)["train_loss"]);
    return out;
  }

  test::TempDir dir_;
};

TEST_F(TrainCommand, AKilledRunResumesToTheUninterruptedResult) {
  Result whole = reel(args("whole"));
  ASSERT_EQ(whole.code, 0) << whole.out << whole.err;
  EXPECT_TRUE(contains(whole.out, "trained 80 steps")) << whole.out;
  EXPECT_TRUE(
      contains(whole.out, "adapter: " + (dir_ / "whole/pytorch_lora_weights.safetensors").string()))
      << whole.out;

  // The same run in a child process, killed without warning once a checkpoint is on disk.
  std::vector<std::string> a = args("killed");
  a.insert(a.begin(), std::string(REEL_BINARY_DIR) + "/reel");
  std::vector<char*> argv;
  for (auto& s : a) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  // Any checkpoint will do: a fixed one may be rotated away before this loop sees it.
  while (list_checkpoints(dir_ / "killed").empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child finished before it could be killed";
  ASSERT_FALSE(fs::exists(dir_ / "killed/pytorch_lora_weights.safetensors"));

  std::vector<std::string> resume = args("killed");
  resume.insert(resume.end(), {"--resume_from_checkpoint", "latest"});
  Result resumed = reel(resume);
  ASSERT_EQ(resumed.code, 0) << resumed.out << resumed.err;
  EXPECT_TRUE(contains(resumed.out, "resumed from step")) << resumed.out;
  EXPECT_EQ(losses("killed"), losses("whole"));
  SafetensorsFile a_file = SafetensorsFile::open(dir_ / "whole/pytorch_lora_weights.safetensors");
  SafetensorsFile b_file = SafetensorsFile::open(dir_ / "killed/pytorch_lora_weights.safetensors");
  ASSERT_EQ(a_file.tensors().size(), b_file.tensors().size());
  for (const TensorInfo& t : a_file.tensors())
    EXPECT_TRUE(at::equal(a_file.tensor(t.name), b_file.tensor(t.name))) << t.name;
}

// Validation during `reel train`: videos, contact sheets and previews at the steps asked for
// (the start, every interval, the end), EMA copies beside them, and the very losses of the
// same run without validation.
TEST_F(TrainCommand, ValidationWritesVideosAtItsStepsAndKeepsTheLosses) {
  std::vector<std::string> plain = args("plain");
  plain.insert(plain.end(), {"--max_train_steps", "6"});
  ASSERT_EQ(reel(plain).code, 0);

  const fs::path library = dir_.write("prompts.json", R"({"red/ball": "a red ball"})");
  std::vector<std::string> validated = args("validated");
  validated.insert(validated.end(), {"--max_train_steps",
                                     "6",
                                     "--validation_prompt",
                                     "a zoom into the mandelbrot set",
                                     "--user_prompt_library",
                                     library.string(),
                                     "--validation_step_interval",
                                     "3",
                                     "--validation_resolution",
                                     "32x16",
                                     "--validation_num_video_frames",
                                     "7",
                                     "--validation_num_inference_steps",
                                     "2",
                                     "--validation_guidance",
                                     "3",
                                     "--validation_preview",
                                     "true",
                                     "--validation_preview_steps",
                                     "2",
                                     "--use_ema",
                                     "true",
                                     "--ema_validation",
                                     "comparison",
                                     "--framerate",
                                     "12"});
  Result r = reel(validated);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "validation videos: " + (dir_ / "validated/validation").string()))
      << r.out;
  EXPECT_EQ(test::dir_entries(dir_ / "validated/validation"),
            (std::vector<std::string>{"step-0", "step-3", "step-6"}));
  const fs::path step3 = dir_ / "validated/validation/step-3";
  EXPECT_EQ(test::dir_entries(step3),
            (std::vector<std::string>{
                "previews", "red_ball.mp4", "red_ball.png", "red_ball_ema.mp4", "red_ball_ema.png",
                "validation.mp4", "validation.png", "validation_ema.mp4", "validation_ema.png"}));
  // 7 frames is not 4k+1: rounded down to 5, with a warning.
  const MediaInfo info = probe_media(step3 / "validation.mp4");
  EXPECT_EQ(info.frame_count, 5);
  EXPECT_EQ(info.width, 32);
  EXPECT_EQ(info.height, 16);
  EXPECT_DOUBLE_EQ(info.fps, 12.0);
  EXPECT_TRUE(fs::exists(step3 / "previews/validation-1of2.png"));
  EXPECT_TRUE(fs::exists(step3 / "previews/validation-2of2.png"));
  EXPECT_EQ(losses("validated"), losses("plain"));
}

// Wan 2.2 I2V, low-noise expert: validation conditions on the first frame of the first clip
// and, with wan_validation_load_other_stage, samples the high-noise part with the other
// expert (frozen) before switching to the trained one.
TEST_F(TrainCommand, Wan22ImageToVideoValidationUsesBothExperts) {
  const fs::path pipeline = dir_ / "wan22-i2v";
  fs::create_directories(pipeline);
  for (const char* part : {"vae", "text_encoder", "tokenizer"})
    fs::create_directory_symlink(kSource / "examples/wan21-t2v-tiny" / part, pipeline / part);
  for (const char* part : {"transformer", "transformer_2"})
    fs::create_directory_symlink(fs::path(REEL_FIXTURES_DIR) / "wan22_i2v_tiny" / part,
                                 pipeline / part);
  std::vector<std::string> a = args("i2v");
  a.insert(a.end(), {"--model_flavour", "i2v-14b-2.2-low", "--pretrained_model_name_or_path",
                     pipeline.string(), "--max_train_steps", "2", "--validation_prompt", "a cat",
                     "--validation_step_interval", "2", "--validation_resolution", "32x16",
                     "--validation_num_video_frames", "5", "--disable_benchmark", "true",
                     "--wan_validation_load_other_stage", "true"});
  Result r = reel(a);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "conditioning on the first frame of")) << r.err;
  EXPECT_TRUE(contains(r.err, "wan22-i2v/transformer: ")) << r.err;  // the other expert
  EXPECT_EQ(test::dir_entries(dir_ / "i2v/validation"), (std::vector<std::string>{"step-2"}));
  const MediaInfo info = probe_media(dir_ / "i2v/validation/step-2/validation.mp4");
  EXPECT_EQ(info.frame_count, 5);
  EXPECT_EQ(info.width, 32);
}

TEST_F(TrainCommand, BadValidationSettingsFailBeforeTraining) {
  std::vector<std::string> a = args("bad");
  a.insert(a.end(), {"--validation_prompt", "a cat", "--validation_resolution", "30x16"});
  Result r = reel(a);
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(contains(r.err, "validation_resolution")) << r.err;
  EXPECT_TRUE(contains(r.err, "30x16")) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "bad/metrics.jsonl"));
}

}  // namespace
}  // namespace reel
