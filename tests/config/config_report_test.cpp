#include "config/config_report.h"

#include <gtest/gtest.h>

#include "config/option_test_support.h"

namespace reel {
namespace {

TEST(ConfigReport, ShowsValuesSourcesAndDiagnostics) {
  test::TempDir dir;
  auto config = test::load_json(dir, {{"lora_rank", 8}, {"lerning_rate", 1}}, {"--seed=4"},
                                {{"REEL_USE_EMA", "true"}});
  const std::string report = format_options(config) + format_diagnostics(config.diagnostics());
  const std::string file = (dir / "config.json").string();
  EXPECT_NE(report.find("config file: " + file), std::string::npos) << report;
  auto line_of = [&](const std::string& key) {
    size_t at = report.find("  " + key + " ");
    return at == std::string::npos ? "" : report.substr(at, report.find('\n', at) - at);
  };
  EXPECT_NE(line_of("lora_rank").find("= 8   [file " + file + "]"), std::string::npos) << report;
  EXPECT_NE(line_of("seed").find("= 4   [command line]"), std::string::npos);
  EXPECT_NE(line_of("use_ema").find("= true   [env REEL_USE_EMA]"), std::string::npos);
  EXPECT_NE(line_of("train_batch_size").find("= 4   [default]"), std::string::npos);
  EXPECT_NE(line_of("pretrained_model_name_or_path")
                .find("= Wan-AI/Wan2.1-T2V-1.3B-Diffusers   [default (flavour t2v-480p-1.3b-2.1)]"),
            std::string::npos);
  EXPECT_NE(line_of("aspect_bucket_alignment").find("= 32   [default]"), std::string::npos);
  EXPECT_NE(report.find("error: " + file + ": key 'lerning_rate': unknown option"),
            std::string::npos);
}

TEST(ConfigReport, NotesApartFromProblemsWithCounts) {
  Diagnostics ds = {{Severity::kNotice, "c.json", "use_ema", "accepted, not built yet", ""},
                    {Severity::kError, "c.json", "webhook_config", "no such file", ""},
                    {Severity::kWarning, "c.json", "lycoris_config", "no such file (unused)", ""}};
  const std::string text = format_diagnostics(ds);
  size_t notes = text.find("notes:\n  note: c.json: key 'use_ema'");
  size_t problems = text.find("problems:\n  error: c.json: key 'webhook_config'");
  ASSERT_NE(notes, std::string::npos) << text;
  ASSERT_NE(problems, std::string::npos) << text;
  EXPECT_LT(notes, problems);
  EXPECT_NE(text.find("  warning: c.json: key 'lycoris_config'"), std::string::npos) << text;
  EXPECT_NE(text.find("1 error, 1 warning, 1 note\n"), std::string::npos) << text;
}

TEST(ConfigReport, NoProblemsSaysSo) {
  const std::string text = format_diagnostics({});
  EXPECT_EQ(text, "problems: none\n\n0 errors, 0 warnings, 0 notes\n");
}

}  // namespace
}  // namespace reel
