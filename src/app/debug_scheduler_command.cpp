// `reel debug scheduler NAME --steps N --shift S --inputs IN.safetensors --output OUT`: runs a
// sampler on the schedulers fixture's closed-form stand-in model
//   v(x, t) = 0.5 * x - 0.3 * target + 0.001 * t
// (t exactly as the scheduler returns it) from the starting latent `x0`, and saves `timesteps`,
// `sigmas`, `x_after_step` [N, ...] and `final`, to compare a sampler with the reference
// schedulers without a model.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "app/debug_inputs.h"
#include "core/safetensors_writer.h"
#include "core/shape_text.h"
#include "sample/flow_scheduler_factory.h"

namespace reel {
namespace {

struct SchedulerArgs {
  std::string name, inputs, output, prefix;
  int64_t steps = 0;
  double shift = 3.0;
};

const char* const kInputsHelp = "x0 (the starting latent) and target, float tensors of one shape";

void run_scheduler(const SchedulerArgs& a) {
  std::unique_ptr<FlowScheduler> scheduler = make_flow_scheduler(a.name, a.steps, a.shift);
  const DebugInputs file(a.inputs, a.prefix, kInputsHelp);
  const at::Tensor x0 = file.get("x0");
  const at::Tensor target = file.get("target");
  for (const auto& [name, t] : {std::pair{"x0", x0}, std::pair{"target", target}}) {
    if (!at::isFloatingType(t.scalar_type())) {
      throw file.error(name, std::string("expected floating-point values, found ") +
                                 c10::toString(t.scalar_type()));
    }
  }
  if (x0.sizes() != target.sizes()) {
    throw file.error("target", "shape " + shape_text(target.sizes()) + " differs from x0's " +
                                   shape_text(x0.sizes()));
  }

  const at::Tensor goal = target.to(at::kFloat);
  at::Tensor x = x0.to(at::kFloat);
  std::vector<at::Tensor> steps;
  for (int64_t i = 0; i < scheduler->num_steps(); ++i) {
    const double t = scheduler->timesteps()[i].item<double>();
    const at::Tensor v = 0.5 * x - 0.3 * goal + 0.001 * t;
    x = scheduler->step(v, i, x);
    steps.push_back(x);
  }
  write_safetensors(a.output,
                    {{"timesteps", scheduler->timesteps()},
                     {"sigmas", scheduler->sigmas()},
                     {"x_after_step", at::stack(steps)},
                     {"final", x}},
                    {{"scheduler", a.name},
                     {"steps", std::to_string(a.steps)},
                     {"shift", std::to_string(a.shift)},
                     {"inputs", a.inputs}});
  std::cout << a.name << ", " << a.steps << (a.steps == 1 ? " step" : " steps") << ", timesteps "
            << scheduler->timesteps()[0].item<double>() << " .. "
            << scheduler->timesteps()[-1].item<double>() << " -> " << a.output << "\n";
}

}  // namespace

void add_debug_scheduler_command(CLI::App& debug, int& exit_code) {
  auto args = std::make_shared<SchedulerArgs>();
  std::string names;
  for (const std::string& n : flow_scheduler_names()) names += (names.empty() ? "" : ", ") + n;
  CLI::App* cmd = debug.add_subcommand(
      "scheduler",
      "Run a sampler on a closed-form stand-in model (v = 0.5 x - 0.3 target + 0.001 t) and "
      "save its timesteps, sigmas and trajectory");
  cmd->add_option("NAME", args->name, "The sampler: " + names)->required();
  cmd->add_option("--steps", args->steps, "Number of sampling steps")->required();
  cmd->add_option("--shift", args->shift, "Flow shift")->capture_default_str();
  cmd->add_option("--inputs", args->inputs, std::string("A .safetensors file with ") + kInputsHelp)
      ->required();
  cmd->add_option("--output", args->output,
                  "Where to write timesteps, sigmas, x_after_step and final")
      ->required();
  cmd->add_option("--input_prefix", args->prefix,
                  "A prefix of the input names, e.g. unipc_s4_shift3/ for the fixture's cases");
  cmd->callback([&exit_code, args] {
    run_scheduler(*args);
    exit_code = 0;
  });
}

}  // namespace reel
