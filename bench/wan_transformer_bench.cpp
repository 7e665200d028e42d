// Microbenchmark of Reel's Wan transformer (models/wan/wan_transformer.h): forward time,
// forward+backward time and peak memory for one shape, with random weights (no download).
// Its peer, bench/wan_transformer_bench.py, measures diffusers' WanTransformer3DModel with the
// same flags and prints the same JSON; bench/run_wan_transformer runs both side by side.
//
//   wan_transformer_bench [--layers 4] [--frames 21 --height 30 --width 52] [--text-len 512]
//                         [--device auto|cpu|cuda] [--dtype fp32,bf16] [--grad all|lora]
//                         [--warmup 1] [--repeat 3] [--gradient-checkpointing] ...
//
// Output: one JSON object per line on stdout for each (dtype, measurement); a readable table
// on stderr. See bench/README.md for what each field means.
#include <ATen/ATen.h>
#include <ATen/DeviceAccelerator.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <nlohmann/json.hpp>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <numeric>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/wan/wan_config.h"
#include "models/wan/wan_transformer.h"
#include "nn/linear.h"

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
  --measure LIST        forward, forward_backward or both (both)
  --grad MODE           all: every weight and the input require grad;
                        lora: rank-r adapters on attn1/attn2 to_q,to_k,to_v,to_out.0 and
                        the input require grad, base weights frozen (all)
  --lora-rank N         (16)
  --gradient-checkpointing   checkpoint every block in forward_backward
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
    if (i + 1 >= n) throw std::invalid_argument(flag + " needs a value (see --help)");
    const std::string value = argl[++i];
    auto integer = [&](int64_t& field, int64_t min) {
      size_t used = 0;
      int64_t v = 0;
      try {
        v = std::stoll(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != value.size() || v < min) {
        throw std::invalid_argument(flag + " " + value + ": expected an integer >= " +
                                    std::to_string(min));
      }
      field = v;
    };
    if (flag == "--layers") integer(a.layers, 1);
    else if (flag == "--heads") integer(a.heads, 1);
    else if (flag == "--head-dim") integer(a.head_dim, 2);
    else if (flag == "--ffn-dim") integer(a.ffn_dim, 1);
    else if (flag == "--text-dim") integer(a.text_dim, 1);
    else if (flag == "--freq-dim") integer(a.freq_dim, 2);
    else if (flag == "--in-channels") integer(a.in_channels, 1);
    else if (flag == "--out-channels") integer(a.out_channels, 1);
    else if (flag == "--batch") integer(a.batch, 1);
    else if (flag == "--frames") integer(a.frames, 1);
    else if (flag == "--height") integer(a.height, 2);
    else if (flag == "--width") integer(a.width, 2);
    else if (flag == "--text-len") integer(a.text_len, 1);
    else if (flag == "--lora-rank") integer(a.lora_rank, 1);
    else if (flag == "--warmup") integer(a.warmup, 0);
    else if (flag == "--repeat") integer(a.repeat, 1);
    else if (flag == "--threads") integer(a.threads, 0);
    else if (flag == "--seed") {
      int64_t s = 0;
      integer(s, 0);
      a.seed = static_cast<uint64_t>(s);
    } else if (flag == "--device") a.device = value;
    else if (flag == "--dtype") a.dtypes = split_list(value);
    else if (flag == "--measure") a.measurements = split_list(value);
    else if (flag == "--grad") a.grad = value;
    else throw std::invalid_argument("unknown flag " + flag + " (see --help)");
  }
  if (a.device != "auto" && a.device != "cpu" && a.device != "cuda") {
    throw std::invalid_argument("--device " + a.device + ": expected auto, cpu or cuda");
  }
  for (const auto& d : a.dtypes) {
    if (d != "fp32" && d != "bf16") throw std::invalid_argument("--dtype " + d + ": expected fp32 or bf16");
  }
  for (const auto& m : a.measurements) {
    if (m != "forward" && m != "forward_backward") {
      throw std::invalid_argument("--measure " + m + ": expected forward or forward_backward");
    }
  }
  if (a.grad != "all" && a.grad != "lora") throw std::invalid_argument("--grad " + a.grad + ": expected all or lora");
  if (a.height % 2 || a.width % 2) throw std::invalid_argument("--height and --width must be even (patch 1x2x2)");
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

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string dtype_name(at::ScalarType t) { return t == at::kBFloat16 ? "bf16" : "fp32"; }

struct Row {
  std::string dtype, measurement;
  double ms_median, ms_min;
  int64_t peak, base;
  bool finite;
};

int run(const Args& args) {
  if (args.threads > 0) at::set_num_threads(static_cast<int>(args.threads));
  const bool cuda_visible = at::hasCUDA();
  if (args.device == "cuda" && !cuda_visible) throw std::runtime_error("--device cuda: no CUDA device visible");
  const at::Device device =
      (args.device == "cuda" || (args.device == "auto" && cuda_visible)) ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);

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
    inputs.hidden_states = at::randn({args.batch, args.in_channels, args.frames, args.height, args.width}, opts);
    inputs.timestep = at::full({args.batch}, 500.0, at::TensorOptions().device(device).dtype(at::kFloat));
    inputs.encoder_hidden_states = at::randn({args.batch, args.text_len, args.text_dim}, opts);
    const at::Tensor grad_out =
        at::randn({args.batch, args.out_channels, args.frames, args.height, args.width}, opts);

    reel::WanRunOptions run_opts;
    run_opts.compute_dtype = dtype;

    for (const auto& measurement : args.measurements) {
      const bool backward = measurement == "forward_backward";
      run_opts.gradient_checkpointing = backward && args.gradient_checkpointing;
      bool finite = true;
      auto clear_grads = [&] {
        for (auto& t : trainable) t.mutable_grad().reset();
        inputs.hidden_states.mutable_grad().reset();
      };
      for (auto& t : trainable) t.requires_grad_(backward);
      inputs.hidden_states.requires_grad_(backward);
      auto step = [&] {
        if (backward) {
          at::Tensor out = model.forward(inputs, run_opts).sample;
          out.backward(grad_out);
          return out.detach();
        }
        at::NoGradGuard no_grad;
        return model.forward(inputs, run_opts).sample;
      };

      clear_grads();
      mem.sync();
      const int64_t base = mem.current();
      mem.reset_peak();
      for (int64_t i = 0; i < args.warmup; ++i) {
        step();
        clear_grads();
      }
      std::vector<double> times;
      for (int64_t i = 0; i < args.repeat; ++i) {
        mem.sync();
        const auto t0 = std::chrono::steady_clock::now();
        at::Tensor out = step();
        mem.sync();
        const auto t1 = std::chrono::steady_clock::now();
        times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        if (i == 0) finite = out.isfinite().all().item<bool>();
        out.reset();
        clear_grads();
      }
      mem.sync();
      const int64_t peak = mem.peak();

      nlohmann::ordered_json j;
      j["impl"] = "reel";
      j["torch"] = TORCH_VERSION;
      j["device"] = device.is_cuda() ? "cuda" : "cpu";
      j["dtype"] = dtype_name(dtype);
      j["measurement"] = measurement;
      j["grad"] = backward ? args.grad : "none";
      j["trainable_params"] = backward ? n_trainable : 0;
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
      j["ms_median"] = median(times);
      j["ms_min"] = *std::min_element(times.begin(), times.end());
      j["ms_mean"] = std::accumulate(times.begin(), times.end(), 0.0) / double(times.size());
      j["times_ms"] = times;
      j["peak_mem_bytes"] = peak;
      j["base_mem_bytes"] = base;
      j["mem_kind"] = mem.kind;
      j["finite"] = finite;
      std::cout << j.dump() << std::endl;
      rows.push_back({dtype_name(dtype), measurement, median(times), j["ms_min"].get<double>(), peak, base, finite});

      for (auto& t : trainable) t.requires_grad_(false);
      inputs.hidden_states.requires_grad_(false);
    }
  }

  std::fprintf(stderr, "\nreel wan transformer | %s | %lld layers, dim %lld, %lld video + %lld text tokens, batch %lld, grad %s%s\n",
               device.is_cuda() ? "cuda" : "cpu", (long long)args.layers, (long long)config.dim(),
               (long long)tokens, (long long)args.text_len, (long long)args.batch, args.grad.c_str(),
               args.gradient_checkpointing ? ", checkpointed" : "");
  std::fprintf(stderr, "%-6s %-17s %12s %12s %12s %14s %s\n", "dtype", "measurement", "median ms", "min ms",
               "peak MiB", "over base MiB", "finite");
  for (const auto& r : rows) {
    std::fprintf(stderr, "%-6s %-17s %12.1f %12.1f %12.1f %14.1f %s\n", r.dtype.c_str(), r.measurement.c_str(),
                 r.ms_median, r.ms_min, r.peak / 1048576.0, (r.peak - r.base) / 1048576.0,
                 r.finite ? "yes" : "NO");
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
