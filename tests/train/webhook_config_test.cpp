#include "train/webhook_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using nlohmann::json;
using test::contains_text;
using test::error_of;

TEST(WebhookConfig, ReadsOneRawObjectWithAllKeys) {
  auto targets = parse_webhook_config(json{{"webhook_type", "raw"},
                                           {"callback_url", "http://127.0.0.1:9/cb"},
                                           {"message_prefix", "mine"},
                                           {"log_level", "error"},
                                           {"ssl_no_verify", true},
                                           {"auth_token", "s3cret"},
                                           {"timeout", 1.5},
                                           {"retries", 4}});
  ASSERT_EQ(targets.size(), 1u);
  const auto& t = targets[0];
  EXPECT_EQ(t.type, WebhookType::kRaw);
  EXPECT_EQ(t.url, "http://127.0.0.1:9/cb");
  EXPECT_EQ(t.message_prefix.value_or(""), "mine");
  EXPECT_EQ(t.log_level, WebhookLevel::kError);
  EXPECT_TRUE(t.ssl_no_verify);
  EXPECT_EQ(t.auth_token, "s3cret");
  EXPECT_DOUBLE_EQ(t.timeout_seconds, 1.5);
  EXPECT_EQ(t.retries, 4);
}

TEST(WebhookConfig, DefaultsMatchSimpleTuner) {
  auto t = parse_webhook_config(
               json{{"webhook_type", "discord"}, {"webhook_url", "http://127.0.0.1:9/d"}})
               .at(0);
  EXPECT_EQ(t.type, WebhookType::kDiscord);
  EXPECT_FALSE(t.message_prefix.has_value());
  EXPECT_EQ(t.log_level, WebhookLevel::kInfo);
  EXPECT_FALSE(t.ssl_no_verify);
  EXPECT_TRUE(t.auth_token.empty());
  EXPECT_DOUBLE_EQ(t.timeout_seconds, 5.0);  // ST's requests.post(timeout=5)
}

TEST(WebhookConfig, ReadsAListFromAFileRelativeToTheWorkingDir) {
  test::TempDir dir;
  dir.write("config/wan/webhook.json",
            R"([{"webhook_type": "raw", "callback_url": "http://localhost:1/a"},
                {"webhook_type": "discord", "webhook_url": "http://localhost:2/b"}])");
  auto targets = parse_webhook_config(json("config/wan/webhook.json"), dir.path());
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].url, "http://localhost:1/a");
  EXPECT_EQ(targets[1].type, WebhookType::kDiscord);
}

TEST(WebhookConfig, ReadsInlineJsonText) {
  auto targets =
      parse_webhook_config(json(R"( {"webhook_type": "raw", "callback_url": "http://h:5/x"})"));
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].url, "http://h:5/x");
  EXPECT_TRUE(parse_webhook_config(json()).empty());
}

TEST(WebhookConfig, ErrorsNameTheKey) {
  EXPECT_TRUE(contains_text(error_of([] {
                              parse_webhook_config(json{{"callback_url", "x"}});
                            }),
                            "webhook_config.webhook_type"));
  const std::string unknown = error_of([] {
    parse_webhook_config(json{{"webhook_type", "slack"}, {"callback_url", "http://h/x"}});
  });
  EXPECT_TRUE(contains_text(unknown, "webhook_type")) << unknown;
  EXPECT_TRUE(contains_text(unknown, "\"slack\"")) << unknown;
  EXPECT_TRUE(contains_text(unknown, "raw, discord")) << unknown;
  EXPECT_TRUE(contains_text(error_of([] {
                              parse_webhook_config(json{{"webhook_type", "raw"}});
                            }),
                            "webhook_config.callback_url"));
  EXPECT_TRUE(contains_text(
      error_of([] {
        parse_webhook_config(json::array({{{"webhook_type", "raw"}, {"callback_url", "http://h/x"}},
                                          {{"webhook_type", "discord"}}}));
      }),
      "webhook_config[1].webhook_url"));
  const std::string level = error_of([] {
    parse_webhook_config(
        json{{"webhook_type", "raw"}, {"callback_url", "http://h/x"}, {"log_level", "loud"}});
  });
  EXPECT_TRUE(contains_text(level, "webhook_config.log_level")) << level;
  EXPECT_TRUE(contains_text(level, "critical, error, warning, info, debug")) << level;
  EXPECT_TRUE(contains_text(error_of([] {
                              parse_webhook_config(json{{"webhook_type", "raw"},
                                                        {"callback_url", "http://h/x"},
                                                        {"retries", -1}});
                            }),
                            "webhook_config.retries"));
}

TEST(WebhookConfig, AcceptsHttpsAndRejectsOtherSchemes) {
  auto t = parse_webhook_config(
      json{{"webhook_type", "discord"}, {"webhook_url", "https://discord.com/api/webhooks/1/abc"}});
  EXPECT_EQ(t.at(0).url, "https://discord.com/api/webhooks/1/abc");
  const std::string e = error_of([] {
    parse_webhook_config(json{{"webhook_type", "raw"}, {"callback_url", "ftp://h/x"}});
  });
  EXPECT_TRUE(contains_text(e, "webhook_config.callback_url")) << e;
  EXPECT_TRUE(contains_text(e, "ftp://h/x")) << e;
}

TEST(WebhookConfig, FileErrorsNameTheFile) {
  test::TempDir dir;
  auto path = dir.write("hook.json", R"({"webhook_type": "raw", "callback_url": 7})");
  const std::string e = error_of([&] { parse_webhook_config(json(path.string())); });
  EXPECT_TRUE(contains_text(e, path.string())) << e;
  EXPECT_TRUE(contains_text(e, "callback_url")) << e;
  const std::string missing =
      error_of([&] { parse_webhook_config(json((dir / "nope.json").string())); });
  EXPECT_TRUE(contains_text(missing, "nope.json")) << missing;
  auto broken = dir.write("broken.json", "{");
  EXPECT_TRUE(
      contains_text(error_of([&] { parse_webhook_config(json(broken.string())); }), "broken.json"));
}

}  // namespace
}  // namespace reel
