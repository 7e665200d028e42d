// docs/options.md is generated from the registry and must match it.
#include "config/options_reference.h"

#include <gtest/gtest.h>

#include <fstream>

#include "config/option_registry.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

TEST(OptionsReference, DocsOptionsMdIsUpToDate) {
  const std::string fresh = options_reference_markdown();
  const std::string docs = REEL_SOURCE_DIR "/docs/options.md";
  // The fresh text lands in the build folder so that updating the docs is one copy.
  const std::string out = REEL_BINARY_DIR "/options.md";
  std::ofstream(out, std::ios::binary) << fresh;
  EXPECT_TRUE(fresh == test::read_file(docs))
      << "docs/options.md is out of date with the option registry. Regenerate it with:\n  cp "
      << out << " " << docs << "\n(or `reel config reference > docs/options.md`)";
}

TEST(OptionsReference, ListsEveryOptionAndEveryIgnoredStOption) {
  const std::string md = options_reference_markdown();
  for (const auto& o : OptionRegistry::instance().options()) {
    EXPECT_NE(md.find("| `" + o.name + "` |"), std::string::npos) << o.name;
  }
  for (const StOption* st : OptionRegistry::instance().st_ignored()) {
    EXPECT_NE(md.find("| `" + st->name + "` |"), std::string::npos) << st->name;
  }
  EXPECT_NE(md.find("| `lora_format` | enum | `comfyui` | diffusers, comfyui | yes |"),
            std::string::npos);
  EXPECT_NE(md.find("| `lora_dropout` | float | `0.1` | [0, 1] | yes |"), std::string::npos);
  EXPECT_NE(md.find("| `validation_guidance` | float | `7.5` | >= 0 | yes |"), std::string::npos);
  EXPECT_NE(md.find("| `eval_timesteps` | int | `28` | >= 1 | no |"), std::string::npos);
  EXPECT_NE(md.find("| `checkpointing_steps` | `checkpoint_step_interval` |"), std::string::npos);
}

TEST(OptionsReference, HelpTextNamesOptionsDefaultsAndChoices) {
  const std::string help = options_help_text();
  EXPECT_NE(help.find("--mixed_precision <enum>  (default: bf16)"), std::string::npos);
  EXPECT_NE(help.find("Allowed: no, fp16, bf16, fp8."), std::string::npos);
  EXPECT_NE(help.find("--data_backend_config <path>\n"), std::string::npos);  // built, no default
  EXPECT_NE(help.find("[not built yet]"), std::string::npos);
}

}  // namespace
}  // namespace reel
