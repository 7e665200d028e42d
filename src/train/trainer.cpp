#include "train/trainer.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/autograd.h>

#include <ATen/Context.h>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include "adapters/lora_file.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_file.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/safetensors.h"
#include "core/safetensors_writer.h"
#include "data/bucket_sampler.h"
#include "models/wan/wan_i2v_inputs.h"
#include "models/wan/wan_transformer_loader.h"
#include "train/caption_dropout.h"
#include "train/checkpoint_folders.h"
#include "train/metrics_log.h"
#include "train/model_card.h"
#include "train/optimizer_factory.h"
#include "train/stop_request.h"
#include "train/training_batch.h"
#include "train/webhook_sink.h"

namespace reel {
namespace fs = std::filesystem;
using nlohmann::json;
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

namespace {

const char kStateFormat[] = "reel-training-state";
constexpr int kStateVersion = 1;

// One dataset as the loop draws from it.
struct TrainingDataset {
  const DatasetPreparation* prepared;
  BucketSampler sampler;
  BatchLoader loader;
  bool exhausted = false;
};

BatchLoader make_loader(const DatasetPreparation& d, const DatasetConfigs& all,
                        bool image_to_video) {
  const DatasetConfig* text = all.find(d.config->text_embeds);
  const DatasetConfig* empty = all.default_text_embeds();
  if (!text || !empty) throw Error("no text_embeds entry for dataset " + d.config->id);
  auto text_cache = [&](const DatasetConfig& entry) {
    TextEmbedCacheSettings s;
    s.dir = entry.cache_dir;
    return TextEmbedCache(s);
  };
  LatentCacheSettings latents;
  latents.dir = d.latent_dir;
  std::optional<ImageEmbedCache> images;
  if (!d.image_embed_dir.empty()) {
    ImageEmbedCacheSettings s;
    s.dir = d.image_embed_dir;
    images.emplace(s);
  }
  return BatchLoader(d.scan.samples, LatentCache(latents), text_cache(*text), text_cache(*empty),
                     std::move(images), {image_to_video});
}

// The default CUDA generator, as a handle whose state can be set (the context hands it out
// const; the handle shares the generator).
at::Generator cuda_generator() {
  return at::globalContext().defaultGenerator(at::Device(at::kCUDA, 0));
}

at::Generator cpu_generator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

class Trainer {
 public:
  Trainer(const TrainerSettings& s, const Preparation& prepared, const DatasetConfigs& datasets);
  TrainResult run();

 private:
  int64_t total_steps() const;
  // One micro-batch: forward, loss, backward. Returns the loss.
  double micro_step(int64_t micro);
  std::optional<TrainingBatch> next_batch(int64_t micro);
  void save_checkpoint();
  void restore(const CheckpointFolder& folder);
  void save_adapter(const fs::path& path, bool ema_weights);
  // Runs `fn` with the EMA weights in place of the trained ones, then puts those back.
  void with_ema_weights(const std::function<void()>& fn);
  void validate();

  const TrainerSettings& s_;
  WebhookSink hooks_;
  WanTransformer model_;
  std::optional<AdapterNetwork> network_;
  std::unique_ptr<Optimizer> optimizer_;
  LrSchedule schedule_;
  std::optional<Ema> ema_;
  std::vector<TrainingDataset> datasets_;
  std::vector<MixedDataset> mix_;
  CaptionDropout dropout_;
  at::Generator noise_generator_, caption_generator_;
  int64_t global_step_ = 0, epoch_ = 1, micro_steps_ = 0;
  TrainResult result_;
};

Trainer::Trainer(const TrainerSettings& s, const Preparation& prepared,
                 const DatasetConfigs& datasets)
    : s_(s),
      hooks_(s.webhooks, s.webhook_run),
      model_(load_wan_transformer(s.transformer,
                                  [&] {
                                    WanLoadOptions o;
                                    o.dtype = s.base_dtype;
                                    o.device = s.device;
                                    o.subfolder = s.transformer_subfolder;
                                    return o;
                                  }())),
      schedule_(s.lr),
      dropout_(s.caption_dropout_probability, s.seed ^ 0xC0FFEEull),
      noise_generator_(cpu_generator(s.seed)),
      caption_generator_(cpu_generator(s.seed + 1)) {
  // The base stays frozen: only the adapter's tensors get gradients.
  for (const ParameterSlot& slot : model_.parameters()) {
    if (slot.tensor->defined() && slot.tensor->requires_grad())
      slot.tensor->set_requires_grad(false);
  }
  network_.emplace(
      s.lycoris ? AdapterNetwork::create_lycoris(model_, *s.lycoris_config, s.seed, s.lora.dtype)
                : AdapterNetwork::create_lora(model_, s.lora));
  log::info("adapter: ", network_->size(), " modules, ", network_->named_parameters().size(),
            " trainable tensors");
  optimizer_ = make_optimizer(s.optimizer, network_->named_parameters(), s.optimizer_settings);
  if (s.use_ema) ema_.emplace(network_->named_parameters(), s.ema);

  for (const DatasetPreparation& d : prepared.datasets) {
    if (!d.error.empty() || d.scan.samples.empty()) continue;
    if (d.config->dataset_type == DatasetType::kEval) continue;
    BucketSamplerOptions o;
    o.batch_size = d.config->train_batch_size;
    o.repeats = d.config->repeats;
    o.seed = s.seed;
    datasets_.push_back(
        {&d, BucketSampler(d.scan.samples, o), make_loader(d, datasets, s.image_to_video)});
    MixedDataset m;
    m.id = d.config->id;
    m.probability = d.config->probability;
    m.batches_per_epoch = datasets_.back().sampler.size();
    m.start_epoch = d.config->start_epoch;
    m.start_step = d.config->start_step;
    if (d.config->end_epoch) m.end_epoch = *d.config->end_epoch;
    if (d.config->end_step) m.end_step = *d.config->end_step;
    mix_.push_back(m);
  }
  if (datasets_.empty()) {
    throw Error("no dataset to train on: every dataset failed to prepare or holds no sample")
        .hint("run `reel cache` to see each dataset's problems");
  }
}

int64_t Trainer::total_steps() const {
  if (s_.max_train_steps > 0) return s_.max_train_steps;
  int64_t batches = 0;
  for (const MixedDataset& m : mix_) batches += m.batches_per_epoch;
  const int64_t per_epoch =
      (batches + s_.gradient_accumulation_steps - 1) / s_.gradient_accumulation_steps;
  return std::max<int64_t>(1, per_epoch * std::max<int64_t>(1, s_.num_train_epochs));
}

std::optional<TrainingBatch> Trainer::next_batch(int64_t micro) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<bool> exhausted;
    for (const TrainingDataset& d : datasets_) exhausted.push_back(d.exhausted);
    std::optional<size_t> chosen =
        choose_dataset(mix_, exhausted, s_.dataset_sampling, s_.seed, micro, epoch_);
    if (chosen) {
      TrainingDataset& d = datasets_[*chosen];
      std::optional<SampledBatch> batch = d.sampler.next();
      if (batch) {
        return d.loader.load(batch->samples, dropout_.draw(batch->samples.size()),
                             caption_generator_);
      }
      d.exhausted = true;
      attempt = -1;  // try the other datasets before ending the epoch
      continue;
    }
    // Every active dataset is exhausted: the epoch ends.
    ++epoch_;
    log::info("epoch ", epoch_ - 1, " done; starting epoch ", epoch_);
    for (TrainingDataset& d : datasets_) {
      d.sampler.start_next_epoch();
      d.exhausted = false;
    }
  }
  return std::nullopt;
}

double Trainer::micro_step(int64_t micro) {
  std::optional<TrainingBatch> batch = next_batch(micro);
  if (!batch) throw Error("no dataset is active at step " + std::to_string(global_step_));
  const at::Tensor x0 = batch->latents;
  std::vector<double> offsets(static_cast<size_t>(x0.size(0)), 0.0);
  const at::Tensor sigmas = sample_sigmas(s_.flow, x0.sizes(), offsets, noise_generator_);
  const at::Tensor noise = at::randn(x0.sizes(), noise_generator_, x0.options());
  const FlowInputs in = flow_inputs(x0, noise, sigmas);

  WanInputs inputs;
  inputs.hidden_states = s_.image_to_video
                             ? image_to_video_hidden_states(in.noisy, batch->first_frame_latents)
                             : in.noisy;
  inputs.hidden_states = inputs.hidden_states.to(s_.device);
  inputs.timestep = in.timesteps.to(s_.device);
  inputs.encoder_hidden_states = batch->prompt_embeds.to(s_.device);
  if (batch->image_embeds.defined())
    inputs.encoder_hidden_states_image = batch->image_embeds.to(s_.device);
  WanRunOptions run;
  run.compute_dtype = s_.compute_dtype;
  run.gradient_checkpointing = s_.gradient_checkpointing;

  network_->new_dropout_pass(static_cast<uint64_t>(micro));
  const at::Tensor pred = model_.forward(inputs, run).sample;
  network_->replay_dropout();
  const FlowLoss loss = flow_loss(pred, in.target.to(s_.device), inputs.timestep, s_.loss);
  (loss.loss / static_cast<double>(s_.gradient_accumulation_steps)).backward();
  return loss.loss.item<double>();
}

void Trainer::with_ema_weights(const std::function<void()>& fn) {
  NamedTensors trained;
  for (const auto& [name, t] : network_->named_parameters())
    trained.emplace_back(name, t.detach().clone());
  network_->load_parameters(ema_->shadow());
  try {
    fn();
  } catch (...) {
    network_->load_parameters(trained);
    throw;
  }
  network_->load_parameters(trained);
}

void Trainer::save_adapter(const fs::path& path, bool ema_weights) {
  AdapterSaveOptions o;
  o.layout = s_.layout;
  o.base_model = s_.base_model;
  o.flavour = s_.flavour;
  o.step = global_step_;
  o.lora_dropout = s_.lora.dropout;
  o.lycoris_config = s_.lycoris_config_text;
  o.metadata["modelspec.title"] = s_.output_dir.filename().string();
  if (!ema_weights) return save_adapter_network(path, *network_, o);
  with_ema_weights([&] { save_adapter_network(path, *network_, o); });
}

// Renders the validation videos with the weights ema_validation asks for. Every global
// generator is saved and restored around it, and nothing here touches the trainer's own,
// so the run continues exactly as it would have without validation. A failed validation
// is reported and training goes on: a video is not worth a run.
void Trainer::validate() {
  const ValidationHook& v = s_.validation;
  log::info("validation at step ", global_step_);
  hooks_.on_validation_start(global_step_);
  at::Generator cpu = at::detail::getDefaultCPUGenerator();
  const at::Tensor cpu_state = cpu.get_state();
  std::optional<at::Tensor> cuda_state;
  if (at::hasCUDA()) {
    cuda_state = cuda_generator().get_state();
  }
  network_->set_training(false);
  const ValidationPreviewSink preview = [&](const WebhookPreviewInfo& p) {
    hooks_.on_validation_preview(p);
  };
  auto render = [&](const std::string& suffix) {
    for (const WebhookValidationInfo& info : v.render(global_step_, model_, suffix, preview))
      hooks_.on_validation(info);
  };
  try {
    if (!ema_ || v.ema != EmaValidation::kEmaOnly) render("");
    if (ema_ && v.ema != EmaValidation::kNone) {
      with_ema_weights([&] { render(v.ema == EmaValidation::kComparison ? "_ema" : ""); });
    }
  } catch (const std::exception& e) {
    log::error("validation at step ", global_step_, " failed: ", e.what(), "; training goes on");
  }
  network_->set_training(true);
  cpu.set_state(cpu_state);
  if (cuda_state) {
    cuda_generator().set_state(*cuda_state);
  }
  hooks_.on_validation_end(global_step_);
}

// checkpoint-<step>/: the adapter (a loadable file), training_state.safetensors (optimizer,
// EMA and generator states) and training_state.json (step, epoch, samplers).
void Trainer::save_checkpoint() {
  rotate_checkpoints(s_.output_dir,
                     s_.checkpoints_total_limit > 0 ? s_.checkpoints_total_limit - 1 : 0);
  const fs::path target = checkpoint_path(s_.output_dir, global_step_);
  AtomicDirectory folder(target);
  save_adapter(folder.path() / "pytorch_lora_weights.safetensors", false);
  if (ema_) {
    fs::create_directories(folder.path() / "ema");
    save_adapter(folder.path() / "ema" / "pytorch_lora_weights.safetensors", true);
  }
  NamedTensors state;
  for (auto& [name, t] : network_->named_parameters()) state.emplace_back("adapter/" + name, t);
  for (auto& [name, t] : optimizer_->state()) state.emplace_back("optimizer/" + name, t);
  if (ema_) {
    for (auto& [name, t] : ema_->state_tensors()) state.emplace_back("ema/" + name, t);
  }
  for (auto& [name, t] : dropout_.state_tensors()) state.emplace_back(name, t);
  state.emplace_back("generator/noise", noise_generator_.get_state());
  state.emplace_back("generator/caption", caption_generator_.get_state());
  write_safetensors(folder.path() / "training_state.safetensors", state);

  json j = {{"format", kStateFormat}, {"version", kStateVersion},    {"global_step", global_step_},
            {"epoch", epoch_},        {"micro_steps", micro_steps_}, {"optimizer", s_.optimizer},
            {"seed", s_.seed},        {"samplers", json::object()},  {"exhausted", json::object()}};
  for (const TrainingDataset& d : datasets_) {
    j["samplers"][d.prepared->config->id] = d.sampler.state();
    j["exhausted"][d.prepared->config->id] = d.exhausted;
  }
  if (ema_) j["ema"] = ema_->state_json();
  write_file_atomic(folder.path() / "training_state.json", j.dump(2));
  folder.commit();
  result_.last_checkpoint = target;
  log::info("saved checkpoint ", target.string());
  hooks_.on_checkpoint(target.string(), global_step_);
}

void Trainer::restore(const CheckpointFolder& folder) {
  const fs::path json_path = folder.path / "training_state.json";
  json j = read_json_object(json_path, "training state");
  if (j.value("format", "") != kStateFormat) {
    throw Error("not a Reel training checkpoint").file(json_path.string());
  }
  if (j.value("seed", uint64_t{0}) != s_.seed || j.value("optimizer", "") != s_.optimizer) {
    throw Error("the checkpoint was made with another seed or optimizer (seed " + j["seed"].dump() +
                ", optimizer " + j["optimizer"].dump() + ")")
        .file(json_path.string())
        .hint("resume with the settings it was made with, or start a new output_dir");
  }
  SafetensorsFile file = SafetensorsFile::open(folder.path / "training_state.safetensors");
  auto group = [&](const std::string& prefix) {
    NamedTensors out;
    for (const TensorInfo& t : file.tensors()) {
      if (t.name.rfind(prefix, 0) == 0)
        out.emplace_back(t.name.substr(prefix.size()), file.tensor(t.name));
    }
    return out;
  };
  network_->load_parameters(group("adapter/"));
  optimizer_->load_state(group("optimizer/"));
  if (ema_) ema_->restore(group("ema/"), j.at("ema"));
  NamedTensors dropout_state;
  for (const TensorInfo& t : file.tensors()) {
    if (t.name.rfind("caption_dropout", 0) == 0)
      dropout_state.emplace_back(t.name, file.tensor(t.name));
  }
  dropout_.restore(dropout_state);
  noise_generator_.set_state(file.tensor("generator/noise").clone());
  caption_generator_.set_state(file.tensor("generator/caption").clone());
  for (TrainingDataset& d : datasets_) {
    const std::string& id = d.prepared->config->id;
    if (!j["samplers"].contains(id)) {
      throw Error("the checkpoint has no sampler state for dataset " + id)
          .file(json_path.string())
          .hint("resume with the datasets it was made with");
    }
    d.sampler.restore(j["samplers"][id]);
    d.exhausted = j["exhausted"].value(id, false);
  }
  global_step_ = j.at("global_step").get<int64_t>();
  epoch_ = j.at("epoch").get<int64_t>();
  micro_steps_ = j.at("micro_steps").get<int64_t>();
  result_.resumed_from = global_step_;
  log::info("resumed from ", folder.path.string(), " at step ", global_step_, ", epoch ", epoch_);
}

TrainResult Trainer::run() {
  if (auto folder = resolve_resume(s_.output_dir, s_.resume_from_checkpoint)) restore(*folder);
  const int64_t steps = total_steps();
  MetricsLog metrics(s_.output_dir, s_.report_to, global_step_);
  StopRequest stop;
  network_->set_training(true);
  Progress progress("training", steps, "step");
  progress.advance(global_step_);
  WebhookStartInfo start;
  start.global_step = global_step_;
  start.max_train_steps = steps;
  start.micro_batch_size = datasets_.front().prepared->config->train_batch_size;
  start.total_batch_size = start.micro_batch_size * s_.gradient_accumulation_steps;
  hooks_.on_start(start);
  const auto run_start = std::chrono::steady_clock::now();
  if (global_step_ == 0 && validation_due(s_.validation, 0, steps)) validate();

  while (global_step_ < steps) {
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0, last_loss = 0;
    for (int64_t a = 0; a < s_.gradient_accumulation_steps; ++a) {
      last_loss = micro_step(micro_steps_++);
      loss_sum += last_loss;
    }
    const GradClip clip =
        clip_gradients(network_->parameters(), s_.max_grad_norm, s_.grad_clip_method);
    const double lr = schedule_.lr(global_step_);
    optimizer_->step(lr);
    optimizer_->zero_grad();
    ++global_step_;
    if (ema_) ema_->update(global_step_);

    const double train_loss = loss_sum / static_cast<double>(s_.gradient_accumulation_steps);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::vector<std::pair<std::string, double>> values = {
        {"train_loss", train_loss},  {"optimization_loss", last_loss},
        {"learning_rate", lr},       {"epoch", static_cast<double>(epoch_)},
        {clip.log_key, clip.metric}, {"step_seconds", seconds}};
    if (ema_) values.emplace_back("ema_decay_value", ema_->last_decay());
    metrics.log(global_step_, values);
    char postfix[96];
    std::snprintf(postfix, sizeof postfix, "loss %.4f lr %.3g epoch %lld", train_loss, lr,
                  static_cast<long long>(epoch_));
    progress.set_postfix(postfix);
    progress.advance();
    if (s_.on_step) s_.on_step(global_step_);
    WebhookProgressInfo step_info;
    step_info.step = global_step_;
    step_info.max_steps = steps;
    step_info.loss = train_loss;
    step_info.learning_rate = lr;
    step_info.epoch = epoch_;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
    const int64_t done = global_step_ - result_.resumed_from;
    if (done > 0)
      step_info.eta_seconds = elapsed / done * static_cast<double>(steps - global_step_);
    hooks_.on_progress(step_info);

    const bool interval = s_.checkpoint_step_interval > 0 &&
                          global_step_ % s_.checkpoint_step_interval == 0 && global_step_ < steps;
    if (interval || stop.requested()) {
      metrics.flush();
      save_checkpoint();
    }
    if (!stop.requested() && validation_due(s_.validation, global_step_, steps)) validate();
    if (stop.requested()) {
      progress.finish();
      log::info("stopped at step ", global_step_, "; resume with resume_from_checkpoint latest");
      result_.stopped = true;
      result_.global_step = global_step_;
      return result_;
    }
  }
  progress.finish();
  metrics.flush();
  network_->set_training(false);
  result_.adapter = s_.output_dir / "pytorch_lora_weights.safetensors";
  save_adapter(result_.adapter, false);
  if (ema_) {
    fs::create_directories(s_.output_dir / "ema");
    save_adapter(s_.output_dir / "ema" / "pytorch_lora_weights.safetensors", true);
  }
  write_model_card(s_, global_step_);
  result_.global_step = global_step_;
  WebhookFinishInfo finish;
  finish.step = global_step_;
  finish.epoch = epoch_;
  finish.output_dir = s_.output_dir.string();
  hooks_.on_finish(finish);
  hooks_.flush(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  log::info("trained ", global_step_, " steps; adapter: ", result_.adapter.string());
  return result_;
}

}  // namespace

TrainResult train(const TrainerSettings& settings, const Preparation& prepared,
                  const DatasetConfigs& datasets) {
  try {
    return Trainer(settings, prepared, datasets).run();
  } catch (const std::exception& e) {
    // The webhooks hear of a failed run too; a sink of its own, since the trainer's is gone.
    if (!settings.webhooks.empty()) {
      WebhookSink hooks(settings.webhooks, settings.webhook_run);
      hooks.on_error(e.what());
      hooks.flush(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    }
    throw;
  }
}

}  // namespace reel
