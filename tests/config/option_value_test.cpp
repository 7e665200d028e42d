// config.json values become option values as spec config.md §1 says, and bad values are
// reported naming the value and what is allowed.
#include <gtest/gtest.h>

#include "config/option_registry.h"
#include "config/option_value.h"

namespace reel {
namespace {

using json = nlohmann::json;
using Outcome = ConvertedValue::Outcome;

const Option& opt(const char* name) {
  const Option* o = OptionRegistry::instance().find(name);
  if (!o) throw std::runtime_error(std::string("no option ") + name);
  return *o;
}

ConvertedValue from_json(const char* name, const json& v) {
  return convert_json_value(opt(name), v);
}

TEST(OptionValue, NullIsDropped) {
  EXPECT_EQ(from_json("seed", nullptr).outcome, Outcome::kDropped);
}

TEST(OptionValue, JsonBooleansAreBooleans) {
  EXPECT_EQ(from_json("use_ema", true).value, json(true));
  EXPECT_EQ(from_json("gradient_checkpointing", false).value, json(false));
}

TEST(OptionValue, StringTrueAndFalseInAnyCaseAreBooleans) {
  EXPECT_EQ(from_json("push_to_hub", "true").value, json(true));
  EXPECT_EQ(from_json("push_to_hub", "TRUE").value, json(true));
  // Reel's documented deviation: ST drops "false" and keeps a true default.
  auto c = from_json("compress_disk_cache", "False");
  ASSERT_EQ(c.outcome, Outcome::kValue);
  EXPECT_EQ(c.value, json(false));
  EXPECT_EQ(from_json("use_ema", "maybe").outcome, Outcome::kError);
}

TEST(OptionValue, EmptyStringIsDroppedUnlessAllowed) {
  EXPECT_EQ(from_json("output_dir", "").outcome, Outcome::kDropped);
  EXPECT_EQ(from_json("validation_resolution", "").outcome, Outcome::kDropped);
  auto resume = from_json("resume_from_checkpoint", "");
  ASSERT_EQ(resume.outcome, Outcome::kValue);  // "" = fresh start, not "latest"
  EXPECT_EQ(resume.value, json(""));
  EXPECT_EQ(from_json("validation_negative_prompt", "").value, json(""));
  EXPECT_EQ(from_json("validation_prompt", "").value, json(""));
  // Passed through by ST and rejected by argparse.
  EXPECT_EQ(from_json("validation_noise_scheduler", "").outcome, Outcome::kError);
  EXPECT_EQ(from_json("feed_forward_chunk_size", "").outcome, Outcome::kError);
}

TEST(OptionValue, ListsStayListsForListOptions) {
  EXPECT_EQ(from_json("validation_guidance_skip_layers", json::array({9})).value, json::array({9}));
  EXPECT_EQ(from_json("validation_guidance_skip_layers", json::array({7, 8, 9})).value,
            json::array({7, 8, 9}));
  // A JSON string of a list and a single number name the same layers.
  EXPECT_EQ(from_json("validation_guidance_skip_layers", "[9]").value, json::array({9}));
  EXPECT_EQ(from_json("validation_guidance_skip_layers", 9).value, json::array({9}));
  EXPECT_EQ(convert_text_value(opt("peft_lora_target_modules"), "to_q, to_k").value,
            json::array({"to_q", "to_k"}));
}

TEST(OptionValue, ListForAScalarOptionKeepsTheLastItemWithAWarning) {
  auto c = from_json("seed", json::array({1, 2}));
  ASSERT_EQ(c.outcome, Outcome::kValue);
  EXPECT_EQ(c.value, json(2));
  EXPECT_NE(c.warning.find("last item"), std::string::npos);
}

TEST(OptionValue, DictsStayJsonForJsonOptions) {
  json tread = {
      {"routes",
       json::array({{{"selection_ratio", 0.1}, {"start_layer_idx", 2}, {"end_layer_idx", -2}}})}};
  EXPECT_EQ(from_json("tread_config", tread).value, tread);
  EXPECT_EQ(from_json("tread_config", tread.dump()).value, tread);
  json hook = {{"webhook_type", "discord"}};
  EXPECT_EQ(from_json("webhook_config", hook).value, hook);
  EXPECT_EQ(from_json("webhook_config", "config/webhook.json").value, json("config/webhook.json"));
  auto c = from_json("learning_rate", hook);
  ASSERT_EQ(c.outcome, Outcome::kError);
  EXPECT_EQ(c.error, "expected a number, got a JSON object");
}

TEST(OptionValue, NumbersAsStringsAreAcceptedForNumericOptions) {
  EXPECT_EQ(from_json("framerate", "16").value, json(16));
  EXPECT_TRUE(from_json("framerate", "16").value.is_number_integer());
  EXPECT_EQ(from_json("learning_rate", "1e-4").value, json(1e-4));
  EXPECT_EQ(from_json("lora_rank", 16.0).value, json(16));
  auto c = from_json("framerate", "sixteen");
  ASSERT_EQ(c.outcome, Outcome::kError);
  EXPECT_EQ(c.error, "\"sixteen\" is not an integer");
  EXPECT_EQ(from_json("lora_rank", 2.5).outcome, Outcome::kError);
}

TEST(OptionValue, NumbersForStringOptionsBecomeText) {
  EXPECT_EQ(from_json("validation_resolution", 480).value, json("480"));
  EXPECT_EQ(from_json("aspect_bucket_alignment", 32).value, json(32));
}

TEST(OptionValue, EnumOutsideItsChoicesNamesTheAllowedValues) {
  auto c = from_json("mixed_precision", "fp32");
  ASSERT_EQ(c.outcome, Outcome::kError);
  EXPECT_EQ(c.error, "\"fp32\" is not allowed; use one of no, fp16, bf16, fp8");
  EXPECT_EQ(from_json("aspect_bucket_alignment", 12).error,
            "12 is not allowed; use one of 8, 16, 24, 32, 64");
}

TEST(OptionValue, OutOfRangeNamesTheRange) {
  EXPECT_EQ(from_json("lora_dropout", 1.5).error, "lora_dropout 1.5 is out of range [0, 1]");
  EXPECT_EQ(from_json("lora_rank", 0).error, "lora_rank 0 is out of range [1, inf)");
  EXPECT_EQ(from_json("lora_dropout", 0.0).outcome, Outcome::kValue);
  EXPECT_EQ(from_json("lora_dropout", 1).outcome, Outcome::kValue);
}

TEST(OptionValue, WrongJsonTypesAreErrors) {
  EXPECT_EQ(from_json("output_dir", true).error, "expected a string, got true");
  EXPECT_EQ(from_json("use_ema", 2).outcome, Outcome::kError);
  EXPECT_EQ(from_json("use_ema", 1).value, json(true));
}

TEST(OptionValue, TextBooleans) {
  bool b = false;
  EXPECT_TRUE(parse_bool_text("Yes", &b) && b);
  EXPECT_TRUE(parse_bool_text(" 0 ", &b) && !b);
  EXPECT_FALSE(parse_bool_text("", &b));
}

}  // namespace
}  // namespace reel
