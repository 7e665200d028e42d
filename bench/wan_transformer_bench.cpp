// Microbenchmark of Reel's Wan transformer (models/wan/wan_transformer.h): forward time,
// forward+backward time, LoRA training-step time and peak memory for one shape, with random
// weights (no download). Its peer, bench/wan_transformer_bench.py, measures diffusers'
// WanTransformer3DModel (with peft for the training step) with the same flags and prints the
// same JSON; bench/run_wan_transformer runs both side by side.
//
//   wan_transformer_bench [--layers 4] [--frames 21 --height 30 --width 52] [--text-len 512]
//                         [--device auto|cpu|cuda] [--dtype fp32,bf16] [--grad all|lora]
//                         [--measure forward,forward_backward,train_step]
//                         [--warmup 1] [--repeat 3] [--gradient-checkpointing] ...
//
// Output: one JSON object per line on stdout for each (dtype, measurement); a readable table
// on stderr. See bench/README.md for what each field means.
#include <ATen/ATen.h>
#include <ATen/DeviceAccelerator.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <torch/version.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "adapters/adapter_network.h"
#include "models/wan/wan_config.h"
#include "models/wan/wan_transformer.h"
#include "nn/linear.h"
#include "train/flow_loss.h"
#include "train/optimizer.h"
#include "train/optimizer_config.h"
#include "train/optimizer_factory.h"

namespace {

struct Args {
  int64_t layers = 4;
  int64_t heads = 12;
  int64_t head_dim = 128;
  int64_t ffn_dim = 8960;
  int64_t text_dim = 4096;
  int64_t freq_dim = 256;
  int64_t in_channels = 16;
  int64_t out_channels = 16;
  // Latent shape: 81 frames at 240x416 pixels -> 21 x 30 x 52 latents -> 21*15*26 = 8190
  // tokens after the (1, 2, 2) patch embedding.
  int64_t batch = 1;
  int64_t frames = 21;
  int64_t height = 30;
  int64_t width = 52;
  int64_t text_len = 512;
  std::string device = "auto";
  std::vector<std::string> dtypes = {"fp32"};
  std::vector<std::string> measurements = {"forward", "forward_backward"};
  std::string grad = "all";  // all: every weight and the input; lora: adapters and the input
  int64_t lora_rank = 16;
  std::string lora_dtype = "fp32";  // of train_step's adapter weights: fp32 or bf16
  bool gradient_checkpointing = false;
  int64_t warmup = 1;
  int64_t repeat = 3;
  int64_t threads = 0;  // 0: libtorch's default
  uint64_t seed = 0;
};

const char* kUsage = R"(usage: wan_transformer_bench [options]
shape (defaults: Wan 2.1 1.3B widths, 4 layers, 8190 video tokens, 512 text tokens)
  --layers N            transformer blocks (4)
  --heads N             attention heads (12)
  --head-dim N          channels per head (128)
  --ffn-dim N           feed-forward width (8960)
  --text-dim N          text embedding width (4096)
  --freq-dim N          timestep frequency width (256)
  --in-channels N       (16)
  --out-channels N      (16)
  --batch N             (1)
  --frames N            latent frames (21)
  --height N            latent height (30); tokens = frames * height/2 * width/2
  --width N             latent width (52)
  --text-len N          text tokens (512)
run
  --device D            auto (cuda when visible, else cpu), cpu or cuda (auto)
  --dtype LIST          fp32, bf16 or both: fp32,bf16 (fp32)
  --measure LIST        any of forward, forward_backward, train_step
                        (forward,forward_backward); train_step always runs last
  --grad MODE           forward_backward: what requires grad. all: every weight and the
                        input; lora: rank-r adapters on attn1/attn2 to_q,to_k,to_v,to_out.0
                        and the input, base weights frozen (all)
  --lora-rank N         rank of both kinds of adapters (16)
  --lora-dtype D        train_step's adapter weights: fp32 or bf16 (fp32)
  --gradient-checkpointing   checkpoint every block in forward_backward and train_step
  --warmup N            untimed runs before each measurement (1)
  --repeat N            timed runs per measurement (3)
  --threads N           intra-op CPU threads (libtorch's default)
  --seed N              weights and inputs (0)
)";

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Args parse_args(int argc, char** argv) {
  Args a;
  std::vector<std::string> argl;  // --flag=value becomes --flag value
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    const size_t eq = s.find('=');
    if (s.rfind("--", 0) == 0 && eq != std::string::npos) {
      argl.push_back(s.substr(0, eq));
      argl.push_back(s.substr(eq + 1));
    } else {
      argl.push_back(s);
    }
  }
  int64_t seed = 0;
  std::string dtypes, measurements;  // lists, split below
  // Flags with a value: integers with their smallest allowed value, then texts.
  const std::vector<std::tuple<std::string, int64_t*, int64_t>> integers = {
      {"--layers", &a.layers, 1},
      {"--heads", &a.heads, 1},
      {"--head-dim", &a.head_dim, 2},
      {"--ffn-dim", &a.ffn_dim, 1},
      {"--text-dim", &a.text_dim, 1},
      {"--freq-dim", &a.freq_dim, 2},
      {"--in-channels", &a.in_channels, 1},
      {"--out-channels", &a.out_channels, 1},
      {"--batch", &a.batch, 1},
      {"--frames", &a.frames, 1},
      {"--height", &a.height, 2},
      {"--width", &a.width, 2},
      {"--text-len", &a.text_len, 1},
      {"--lora-rank", &a.lora_rank, 1},
      {"--warmup", &a.warmup, 0},
      {"--repeat", &a.repeat, 1},
      {"--threads", &a.threads, 0},
      {"--seed", &seed, 0}};
  const std::vector<std::pair<std::string, std::string*>> texts = {{"--device", &a.device},
                                                                   {"--dtype", &dtypes},
                                                                   {"--measure", &measurements},
                                                                   {"--grad", &a.grad},
                                                                   {"--lora-dtype", &a.lora_dtype}};
  const int n = static_cast<int>(argl.size());
  for (int i = 0; i < n; ++i) {
    const std::string flag = argl[i];
    if (flag == "-h" || flag == "--help") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (flag == "--gradient-checkpointing") {
      a.gradient_checkpointing = true;
      continue;
    }
    const auto integer = std::find_if(integers.begin(), integers.end(),
                                      [&](const auto& f) { return std::get<0>(f) == flag; });
    const auto text =
        std::find_if(texts.begin(), texts.end(), [&](const auto& f) { return f.first == flag; });
    if (integer == integers.end() && text == texts.end()) {
      throw std::invalid_argument("unknown flag " + flag + " (see --help)");
    }
    if (i + 1 >= n) throw std::invalid_argument(flag + " needs a value (see --help)");
    const std::string value = argl[++i];
    if (text != texts.end()) {
      *text->second = value;
      continue;
    }
    const auto [name, field, min] = *integer;
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != value.size() || v < min) {
      throw std::invalid_argument(flag + " " + value +
                                  ": expected an integer >= " + std::to_string(min));
    }
    *field = v;
  }
  a.seed = static_cast<uint64_t>(seed);
  if (!dtypes.empty()) a.dtypes = split_list(dtypes);
  if (!measurements.empty()) a.measurements = split_list(measurements);
  if (a.device != "auto" && a.device != "cpu" && a.device != "cuda") {
    throw std::invalid_argument("--device " + a.device + ": expected auto, cpu or cuda");
  }
  for (const auto& d : a.dtypes) {
    if (d != "fp32" && d != "bf16")
      throw std::invalid_argument("--dtype " + d + ": expected fp32 or bf16");
  }
  for (const auto& m : a.measurements) {
    if (m != "forward" && m != "forward_backward" && m != "train_step") {
      throw std::invalid_argument("--measure " + m +
                                  ": expected forward, forward_backward or train_step");
    }
  }
  // train_step replaces --grad lora's adapters with its own for good: it runs last.
  std::stable_partition(a.measurements.begin(), a.measurements.end(),
                        [](const std::string& m) { return m != "train_step"; });
  if (a.lora_dtype != "fp32" && a.lora_dtype != "bf16") {
    throw std::invalid_argument("--lora-dtype " + a.lora_dtype + ": expected fp32 or bf16");
  }
  if (a.grad != "all" && a.grad != "lora")
    throw std::invalid_argument("--grad " + a.grad + ": expected all or lora");
  if (a.height % 2 || a.width % 2)
    throw std::invalid_argument("--height and --width must be even (patch 1x2x2)");
  return a;
}

// ---- memory ---------------------------------------------------------------------------------

// CPU: the kernel's resident-set high-water mark (VmHWM), which writing "5" to
// /proc/self/clear_refs resets to the current RSS (Linux 4.0+). CUDA: the caching allocator's
// allocated-bytes statistics.
int64_t proc_status_kib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) return std::stoll(line.substr(key.size() + 1));
  }
  return -1;
}

struct MemoryProbe {
  at::Device device;
  std::string kind;  // what peak_mem_bytes is

  explicit MemoryProbe(at::Device d) : device(d) {
    kind = d.is_cuda() ? "cuda_max_allocated" : "cpu_vmhwm";
  }
  void sync() const {
    if (device.is_cuda()) at::accelerator::synchronizeDevice(device.index());
  }
  int64_t current() const {
    if (device.is_cuda()) {
      return at::accelerator::getDeviceStats(device.index()).allocated_bytes[0].current;
    }
    return proc_status_kib("VmRSS") * 1024;
  }
  void reset_peak() {
    if (device.is_cuda()) {
      at::accelerator::resetPeakStats(device.index());
      return;
    }
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    if (!clear) kind = "cpu_vmhwm_since_start";  // not resettable here: peak of the whole run
  }
  int64_t peak() const {
    if (device.is_cuda()) {
      return at::accelerator::getDeviceStats(device.index()).allocated_bytes[0].peak;
    }
    return proc_status_kib("VmHWM") * 1024;
  }
};

// ---- LoRA-like adapters ---------------------------------------------------------------------

// y += scale * up(down(x)): what a LoRA adds to a frozen linear layer.
class BenchLora : public reel::nn::LinearAdapter {
 public:
  BenchLora(at::Tensor down, at::Tensor up, double scale)
      : down_(std::move(down)), up_(std::move(up)), scale_(scale) {}
  at::Tensor delta(const at::Tensor& x) const override {
    return at::linear(at::linear(x, down_), up_) * scale_;
  }
  std::vector<at::Tensor> parameters() const override { return {down_, up_}; }

 private:
  at::Tensor down_, up_;
  double scale_;
};

// Attaches adapters to the layers a Wan LoRA usually targets; returns their parameters.
std::vector<at::Tensor> attach_loras(reel::WanTransformer& model, int64_t rank, at::Device device,
                                     at::ScalarType dtype) {
  static const std::regex target(R"(blocks\.\d+\.attn[12]\.(to_q|to_k|to_v|to_out\.0))");
  std::vector<at::Tensor> params;
  auto opts = at::TensorOptions().device(device).dtype(dtype);
  for (auto& [name, linear] : model.linears()) {
    if (!std::regex_match(name, target)) continue;
    const int64_t in = linear->weight.size(1), out = linear->weight.size(0);
    at::Tensor down = (at::randn({rank, in}, opts) / std::sqrt(double(in))).requires_grad_(true);
    at::Tensor up = (at::randn({out, rank}, opts) * 0.01).requires_grad_(true);
    params.push_back(down);
    params.push_back(up);
    linear->adapter = std::make_shared<BenchLora>(down, up, 1.0);
  }
  return params;
}

// ---- measuring ------------------------------------------------------------------------------

// train_step's learning rate (any finite value would do: it only scales the update).
constexpr double kLearningRate = 1e-4;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string dtype_name(at::ScalarType t) {
  return t == at::kBFloat16 ? "bf16" : "fp32";
}

// What one measurement does: `setup` once after the memory baseline is taken (so what it
// allocates, e.g. optimizer state, counts in the peak), then `warmup` untimed and `repeat`
// timed calls of `run`, each followed by `clear` outside the timing.
struct Measurement {
  std::function<void()> setup = [] {};
  std::function<at::Tensor()> run;  // returns the output (or loss) to check for inf/NaN
  std::function<void()> clear = [] {};
};

struct Timing {
  std::vector<double> times;
  int64_t base = 0, peak = 0;
  bool finite = true;
  at::Tensor first;  // run's result in the first timed call
};

Timing measure(MemoryProbe& mem, const Args& args, const Measurement& m) {
  Timing t;
  m.clear();
  mem.sync();
  t.base = mem.current();
  mem.reset_peak();
  m.setup();
  for (int64_t i = 0; i < args.warmup; ++i) {
    m.run();
    m.clear();
  }
  for (int64_t i = 0; i < args.repeat; ++i) {
    mem.sync();
    const auto t0 = std::chrono::steady_clock::now();
    at::Tensor out = m.run();
    mem.sync();
    const auto t1 = std::chrono::steady_clock::now();
    t.times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    if (i == 0) {
      t.finite = out.isfinite().all().item<bool>();
      if (out.numel() == 1) t.first = out.to(at::kCPU, at::kDouble);
    }
    out.reset();
    m.clear();
  }
  mem.sync();
  t.peak = mem.peak();
  return t;
}

struct Row {
  std::string dtype, measurement, grad;
  double ms_median, ms_min;
  int64_t peak, base;
  bool finite;
};

int run(const Args& args) {
  if (args.threads > 0) at::set_num_threads(static_cast<int>(args.threads));
  const bool cuda_visible = at::hasCUDA();
  if (args.device == "cuda" && !cuda_visible)
    throw std::runtime_error("--device cuda: no CUDA device visible");
  const at::Device device = (args.device == "cuda" || (args.device == "auto" && cuda_visible))
                                ? at::Device(at::kCUDA, 0)
                                : at::Device(at::kCPU);

  reel::WanConfig config;
  config.num_layers = args.layers;
  config.num_attention_heads = args.heads;
  config.attention_head_dim = args.head_dim;
  config.ffn_dim = args.ffn_dim;
  config.text_dim = args.text_dim;
  config.freq_dim = args.freq_dim;
  config.in_channels = args.in_channels;
  config.out_channels = args.out_channels;

  const int64_t tokens = args.frames * (args.height / 2) * (args.width / 2);
  std::vector<Row> rows;
  MemoryProbe mem(device);

  for (const auto& dtype_flag : args.dtypes) {
    const at::ScalarType dtype = dtype_flag == "bf16" ? at::kBFloat16 : at::kFloat;
    reel::WanTransformer model(config);
    model.init_random(args.seed, dtype);
    model.to(device, dtype);
    std::vector<at::Tensor> trainable;
    if (args.grad == "all") {
      for (auto& slot : model.parameters()) {
        if (slot.tensor->defined()) trainable.push_back(*slot.tensor);
      }
    } else {
      trainable = attach_loras(model, args.lora_rank, device, dtype);
    }
    int64_t n_trainable = 0;
    for (const auto& t : trainable) n_trainable += t.numel();

    at::manual_seed(args.seed);
    auto opts = at::TensorOptions().device(device).dtype(dtype);
    reel::WanInputs inputs;
    inputs.hidden_states =
        at::randn({args.batch, args.in_channels, args.frames, args.height, args.width}, opts);
    inputs.timestep =
        at::full({args.batch}, 500.0, at::TensorOptions().device(device).dtype(at::kFloat));
    inputs.encoder_hidden_states = at::randn({args.batch, args.text_len, args.text_dim}, opts);
    // forward_backward's output gradient, train_step's regression target.
    const at::Tensor target =
        at::randn({args.batch, args.out_channels, args.frames, args.height, args.width}, opts);

    reel::WanRunOptions run_opts;
    run_opts.compute_dtype = dtype;

    for (const auto& measurement : args.measurements) {
      const bool train = measurement == "train_step";
      const bool backward = measurement != "forward";
      run_opts.gradient_checkpointing = backward && args.gradient_checkpointing;
      const std::string grad = train ? "lora" : backward ? args.grad : "none";
      const std::string adapter_dtype = train            ? args.lora_dtype
                                        : grad == "lora" ? dtype_name(dtype)
                                                         : "none";
      int64_t n_grad = backward ? n_trainable : 0;
      std::optional<reel::AdapterNetwork> network;
      std::unique_ptr<reel::Optimizer> optimizer;
      Measurement m;

      if (train) {
        // What the trainer does (train/trainer.cpp), minus data loading and noising: a frozen
        // base, standard LoRA with torch-adamw, flow_loss (l2, float32) against a target.
        for (auto& [name, linear] : model.linears())
          linear->adapter.reset();  // drops --grad lora's
        for (auto& slot : model.parameters()) {
          if (slot.tensor->defined()) slot.tensor->requires_grad_(false);
        }
        reel::LoraNetworkOptions lora;
        lora.rank = args.lora_rank;
        lora.alpha = static_cast<double>(args.lora_rank);
        lora.dropout = 0.0;
        lora.dtype = args.lora_dtype == "bf16" ? at::kBFloat16 : at::kFloat;
        lora.seed = args.seed;
        network.emplace(reel::AdapterNetwork::create_lora(model, lora));
        network->set_training(true);
        n_grad = 0;
        for (const auto& t : network->parameters()) n_grad += t.numel();
        m.setup = [&] {
          optimizer = reel::make_optimizer("torch-adamw", network->named_parameters(),
                                           reel::default_optimizer_settings("torch-adamw"));
        };
        m.run = [&] {
          const at::Tensor pred = model.forward(inputs, run_opts).sample;
          const at::Tensor loss =
              reel::flow_loss(pred, target, inputs.timestep, reel::LossConfig{}).loss;
          loss.backward();
          optimizer->step(kLearningRate);
          optimizer->zero_grad();
          return loss.detach();
        };
      } else {
        for (auto& t : trainable) t.requires_grad_(backward);
        inputs.hidden_states.requires_grad_(backward);
        m.clear = [&] {
          for (auto& t : trainable) t.mutable_grad().reset();
          inputs.hidden_states.mutable_grad().reset();
        };
        m.run = [&] {
          if (backward) {
            at::Tensor out = model.forward(inputs, run_opts).sample;
            out.backward(target);
            return out.detach();
          }
          at::NoGradGuard no_grad;
          return model.forward(inputs, run_opts).sample;
        };
      }

      const Timing t = measure(mem, args, m);

      nlohmann::ordered_json j;
      j["impl"] = "reel";
      j["torch"] = TORCH_VERSION;
      j["device"] = device.is_cuda() ? "cuda" : "cpu";
      j["dtype"] = dtype_name(dtype);
      j["measurement"] = measurement;
      j["grad"] = grad;
      j["trainable_params"] = n_grad;
      j["lora_rank"] = grad == "lora" ? args.lora_rank : 0;
      j["adapter_dtype"] = adapter_dtype;
      j["optimizer"] = train ? "adamw" : "none";
      j["gradient_checkpointing"] = run_opts.gradient_checkpointing;
      j["layers"] = args.layers;
      j["dim"] = config.dim();
      j["batch"] = args.batch;
      j["frames"] = args.frames;
      j["height"] = args.height;
      j["width"] = args.width;
      j["tokens"] = tokens;
      j["text_len"] = args.text_len;
      j["threads"] = at::get_num_threads();
      j["warmup"] = args.warmup;
      j["repeat"] = args.repeat;
      j["ms_median"] = median(t.times);
      j["ms_min"] = *std::min_element(t.times.begin(), t.times.end());
      j["ms_mean"] = std::accumulate(t.times.begin(), t.times.end(), 0.0) / double(t.times.size());
      j["times_ms"] = t.times;
      j["peak_mem_bytes"] = t.peak;
      j["base_mem_bytes"] = t.base;
      j["mem_kind"] = mem.kind;
      j["finite"] = t.finite;
      j["loss"] = train ? nlohmann::ordered_json(t.first.item<double>()) : nlohmann::ordered_json();
      std::cout << j.dump() << std::endl;
      rows.push_back({dtype_name(dtype), measurement, grad, median(t.times),
                      j["ms_min"].get<double>(), t.peak, t.base, t.finite});

      if (!train) {
        for (auto& t : trainable) t.requires_grad_(false);
        inputs.hidden_states.requires_grad_(false);
      }
    }
  }

  std::fprintf(stderr,
               "\nreel wan transformer | %s | %lld layers, dim %lld, %lld video + %lld text "
               "tokens, batch %lld%s\n",
               device.is_cuda() ? "cuda" : "cpu", (long long)args.layers, (long long)config.dim(),
               (long long)tokens, (long long)args.text_len, (long long)args.batch,
               args.gradient_checkpointing ? ", checkpointed" : "");
  std::fprintf(stderr, "%-6s %-17s %-5s %12s %12s %12s %14s %s\n", "dtype", "measurement", "grad",
               "median ms", "min ms", "peak MiB", "over base MiB", "finite");
  for (const auto& r : rows) {
    std::fprintf(stderr, "%-6s %-17s %-5s %12.1f %12.1f %12.1f %14.1f %s\n", r.dtype.c_str(),
                 r.measurement.c_str(), r.grad.c_str(), r.ms_median, r.ms_min, r.peak / 1048576.0,
                 (r.peak - r.base) / 1048576.0, r.finite ? "yes" : "NO");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wan_transformer_bench: %s\n", e.what());
    return 2;
  }
}
