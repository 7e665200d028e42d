// Every config.json example of the Wan quickstart (shared/examples) loads: each key is a Reel
// option or an ST option Reel ignores, and no value is rejected.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "config/option_registry.h"
#include "config/option_test_support.h"
#include "test_paths.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using test::dump;
using test::TempDir;

const fs::path kExamples = fs::path(REEL_FIXTURES_DIR) / ".." / "examples";

// Examples that are not trainer configs: dataset configs and prompt libraries.
const std::set<std::string> kNotTrainerConfigs = {
    "multidatabackend.json", "i2v-dataset-entry.fragment.json",
    "conditioning-backend.fragment.json", "user_prompt_library.json",
    "user_prompt_library.minimal.json"};

std::vector<fs::path> trainer_config_examples() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kExamples)) {
    if (e.path().extension() == ".json" && !kNotTrainerConfigs.count(e.path().filename())) {
      out.push_back(e.path());
    }
  }
  return out;
}

// Loads an example with its local paths pointing at files that exist in `dir`.
LoadedConfig load_example(const TempDir& dir, const fs::path& example) {
  json config = json::parse(test::read_file(example));
  for (const char* k :
       {"data_backend_config", "webhook_config", "lycoris_config", "user_prompt_library"}) {
    if (config.contains(k)) config[k] = dir.write(std::string(k) + ".json", "{}").string();
  }
  return test::load_json(dir, config);
}

TEST(ConfigExamples, AllTrainerConfigExamplesAreFound) {
  auto examples = trainer_config_examples();
  std::set<std::string> names;
  for (const auto& p : examples) names.insert(p.filename());
  EXPECT_EQ(names, (std::set<std::string>{"config.json", "custom-finetune.json",
                                          "quantised.fragment.json", "tread-progressive.json",
                                          "tread-simple.json", "validation-preview.json"}));
}

TEST(ConfigExamples, EveryKeyOfEveryExampleIsAccepted) {
  const auto& registry = OptionRegistry::instance();
  for (const auto& path : trainer_config_examples()) {
    SCOPED_TRACE(path.filename().string());
    TempDir dir;
    json raw = json::parse(test::read_file(path));
    LoadedConfig config = load_example(dir, path);
    EXPECT_FALSE(has_errors(config.diagnostics())) << dump(config.diagnostics());
    for (const auto& [key, value] : raw.items()) {
      KeyKind kind = registry.classify(key);
      EXPECT_NE(kind, KeyKind::kUnknown) << key;
      if (kind == KeyKind::kReel) {
        EXPECT_NE(config.source_of(key).kind, SourceKind::kDefault) << key;
      }
    }
  }
}

TEST(ConfigExamples, QuickstartConfigValues) {
  TempDir dir;
  auto config = load_example(dir, kExamples / "config.json");
  EXPECT_TRUE(config.get_bool("push_to_hub"));  // "true" as a string
  EXPECT_TRUE(config.get_bool("delete_problematic_images"));
  EXPECT_EQ(config.get_json("validation_guidance_skip_layers"), json::array({9}));
  EXPECT_FALSE(config.get_bool("strict_epoch_limit"));  // ignore_final_epochs: true
  EXPECT_EQ(config.get_int("max_train_steps"), 400000);
  EXPECT_DOUBLE_EQ(config.get_double("learning_rate"), 5e-5);
  EXPECT_EQ(config.get_string("optimizer"), "optimi-lion");
  EXPECT_EQ(config.get_string("validation_prompt").substr(0, 6), "两只");
  EXPECT_DOUBLE_EQ(config.get_double("flow_schedule_shift"), 3.0);
  EXPECT_DOUBLE_EQ(config.get_double("validation_guidance_skip_layers_stop"), 1.0);

  TempDir other;
  auto tread = load_example(other, kExamples / "tread-progressive.json");
  EXPECT_EQ(tread.get_json("tread_config")["routes"].size(), 5u);
  EXPECT_EQ(tread.get_json("tread_config")["routes"][4]["end_layer_idx"], -2);

  auto custom = load_example(other, kExamples / "custom-finetune.json");
  EXPECT_EQ(custom.get_string("pretrained_transformer_subfolder"), "none");
  EXPECT_EQ(custom.get_string("pretrained_transformer_model_name_or_path"),
            "path/to-the-other-model");

  auto quantised = load_example(other, kExamples / "quantised.fragment.json");
  EXPECT_EQ(quantised.get_string("base_model_precision"), "int8-quanto");
}

}  // namespace
}  // namespace reel
