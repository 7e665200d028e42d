#include "train/webhook_sink.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/error_of.h"
#include "support/temp_dir.h"
#include "train/loopback_server.h"

namespace reel {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using test::contains_text;

WebhookTarget raw_target(const std::string& url) {
  WebhookTarget t;
  t.type = WebhookType::kRaw;
  t.url = url;
  return t;
}

WebhookSenderOptions quiet() {
  WebhookSenderOptions o;
  o.first_backoff = std::chrono::milliseconds(1);
  o.warn = [](const std::string&) {};
  return o;
}

std::vector<json> bodies(const test::LoopbackServer& server) {
  std::vector<json> out;
  for (const auto& r : server.requests()) out.push_back(json::parse(r.body));
  return out;
}

void flush(WebhookSink& sink) {
  ASSERT_TRUE(sink.flush(Clock::now() + std::chrono::seconds(20)));
}

TEST(WebhookSink, StartEventCarriesTheRunShape) {
  test::LoopbackServer server;
  WebhookSink sink({raw_target(server.url())}, {"job-7", "proj run", 1}, quiet());
  WebhookStartInfo start;
  start.global_step = 25;
  start.max_train_steps = 100;
  start.num_epochs = 4;
  start.first_epoch = 2;
  start.total_num_batches = 30;
  start.total_batch_size = 8;
  start.micro_batch_size = 2;
  start.summary = "***** Running training *****";
  sink.on_start(start);
  flush(sink);
  auto b = bodies(server);
  ASSERT_EQ(b.size(), 1u);
  const json& e = b[0];
  EXPECT_EQ(e["type"], "training.status");
  EXPECT_EQ(e["title"], "Running");
  EXPECT_EQ(e["job_id"], "job-7");
  EXPECT_EQ(e["severity"], "info");
  EXPECT_EQ(e["message"], "***** Running training *****");
  EXPECT_EQ(e["data"]["status"], "running");
  EXPECT_EQ(e["data"]["total_num_steps"], 100);
  EXPECT_EQ(e["data"]["remaining_num_steps"], 75);
  EXPECT_EQ(e["data"]["global_step"], 25);
  EXPECT_EQ(e["data"]["current_epoch"], 2);
  EXPECT_EQ(e["data"]["total_batch_size"], 8);
  EXPECT_EQ(e["progress"]["label"], "Training initialisation");
  EXPECT_DOUBLE_EQ(e["progress"]["percent"].get<double>(), 25.0);
  // ISO-8601 UTC, as Python's datetime.now(tz=timezone.utc).isoformat().
  const std::string ts = e["timestamp"];
  EXPECT_EQ(ts.size(), std::string("2025-01-02T03:04:05.123456+00:00").size()) << ts;
  EXPECT_EQ(ts.substr(ts.size() - 6), "+00:00");
}

TEST(WebhookSink, ProgressFollowsTheReportingInterval) {
  test::LoopbackServer server;
  WebhookSink sink({raw_target(server.url())}, {"", "p r", 5}, quiet());
  for (int64_t step = 1; step <= 10; ++step) {
    WebhookProgressInfo p;
    p.step = step;
    p.max_steps = 40;
    p.loss = 0.125;
    p.learning_rate = 1e-4;
    p.epoch = 1;
    p.num_epochs = 3;
    p.eta_seconds = 90.0;
    sink.on_progress(p);
  }
  flush(sink);
  auto b = bodies(server);
  ASSERT_EQ(b.size(), 2u);  // steps 5 and 10
  EXPECT_EQ(b[0]["progress"]["current"], 5);
  const json& e = b[1];
  EXPECT_TRUE(e["job_id"].is_null());
  EXPECT_EQ(e["type"], "training.status");
  EXPECT_EQ(e["progress"]["current"], 10);
  EXPECT_EQ(e["progress"]["total"], 40);
  EXPECT_DOUBLE_EQ(e["progress"]["percent"].get<double>(), 25.0);
  EXPECT_DOUBLE_EQ(e["progress"]["eta_seconds"].get<double>(), 90.0);
  EXPECT_DOUBLE_EQ(e["progress"]["metrics"]["loss"].get<double>(), 0.125);
  EXPECT_DOUBLE_EQ(e["progress"]["metrics"]["learning_rate"].get<double>(), 1e-4);
  EXPECT_EQ(e["progress"]["metrics"]["epoch"], 1);
  EXPECT_EQ(e["data"]["final_epoch"], 3);
}

TEST(WebhookSink, CheckpointErrorAndFinishEvents) {
  test::LoopbackServer server;
  WebhookSink sink({raw_target(server.url())}, {"j", "p r", 1}, quiet());
  sink.on_checkpoint("/out/checkpoint-50", 50);
  sink.on_error("out of memory");
  WebhookFinishInfo f;
  f.step = 100;
  f.epoch = 4;
  f.num_epochs = 4;
  f.loss = 0.123456;
  f.learning_rate = 2e-5;
  f.output_dir = "/out";
  sink.on_finish(f);
  flush(sink);
  auto b = bodies(server);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b[0]["type"], "training.checkpoint");
  EXPECT_EQ(b[0]["checkpoint"]["path"], "/out/checkpoint-50");
  EXPECT_EQ(b[0]["checkpoint"]["label"], "Checkpoint saved to /out/checkpoint-50");
  EXPECT_EQ(b[0]["checkpoint"]["is_final"], false);
  EXPECT_EQ(b[1]["type"], "notification");
  EXPECT_EQ(b[1]["severity"], "error");
  EXPECT_EQ(b[1]["title"], "Fatal Error");
  EXPECT_EQ(b[1]["message"], "Failed to run training: out of memory");
  EXPECT_EQ(b[1]["data"]["status"], "error");
  EXPECT_EQ(b[2]["type"], "training.status");
  EXPECT_EQ(b[2]["data"]["status"], "failed");
  EXPECT_EQ(b[2]["title"], "Failed");
  EXPECT_EQ(b[2]["message"], "Training failed: out of memory");
  EXPECT_EQ(b[3]["type"], "lifecycle.stage");
  EXPECT_EQ(b[3]["stage"]["key"], "training_complete");
  EXPECT_EQ(b[3]["stage"]["status"], "completed");
  EXPECT_EQ(b[3]["message"], "Training run complete.");
  EXPECT_EQ(b[3]["stage"]["progress"]["percent"], 100);
  EXPECT_DOUBLE_EQ(b[3]["stage"]["progress"]["metrics"]["loss"].get<double>(), 0.1235);
}

TEST(WebhookSink, ValidationSendsMediaAsBase64) {
  test::TempDir dir;
  auto video = dir.write("validation/cat.mp4", "Man");  // base64 "TWFu"
  auto image = dir.write("validation/cat.png", "Ma");   // base64 "TWE="
  test::LoopbackServer server;
  WebhookSink sink({raw_target(server.url())}, {"", "p r", 1}, quiet());
  sink.on_validation_start(10);
  WebhookValidationInfo v;
  v.step = 10;
  v.shortname = "cat";
  v.prompt = "a cat on a sofa";
  v.videos = {video, dir / "missing.mp4"};
  v.images = {image};
  sink.on_validation(v);
  sink.on_validation_end(10);
  flush(sink);
  auto b = bodies(server);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0]["type"], "lifecycle.stage");
  EXPECT_EQ(b[0]["stage"]["key"], "validation");
  EXPECT_EQ(b[0]["stage"]["status"], "running");
  const json& e = b[1];
  EXPECT_EQ(e["type"], "training.validation");
  EXPECT_EQ(e["message"], "Validation: cat");
  ASSERT_EQ(e["videos"].size(), 1u);  // the missing file is left out
  EXPECT_EQ(e["videos"][0]["src"], "data:video/mp4;base64,TWFu");
  EXPECT_EQ(e["videos"][0]["mime_type"], "video/mp4");
  ASSERT_EQ(e["images"].size(), 1u);
  EXPECT_EQ(e["images"][0], "TWE=");
  EXPECT_EQ(e["data"]["prompt"], "a cat on a sofa");
  EXPECT_EQ(b[2]["stage"]["status"], "completed");
}

// spec/validation.md §8: a preview goes out as validation.image with a 1-based step label;
// Discord backends are not sent previews, and an unreadable image sends nothing.
TEST(WebhookSink, PreviewsAreValidationImageEvents) {
  test::TempDir dir;
  auto image = dir.write("previews/cat-3of8.png", "Ma");  // base64 "TWE="
  test::LoopbackServer server;
  WebhookTarget discord;
  discord.type = WebhookType::kDiscord;
  discord.url = server.url("/discord");
  WebhookSink sink({raw_target(server.url()), discord}, {"", "p r", 1}, quiet());
  sink.on_validation_preview({40, "cat", "a cat", "832x480", 3, 8, image});
  sink.on_validation_preview({40, "cat", "a cat", "832x480", 4, 8, dir / "missing.png"});
  flush(sink);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].path, "/hook");
  const json e = json::parse(server.requests()[0].body);
  EXPECT_EQ(e["type"], "validation.image");
  EXPECT_EQ(e["body"], "a cat");
  ASSERT_EQ(e["images"].size(), 1u);
  EXPECT_EQ(e["images"][0], "data:image/png;base64,TWE=");
  EXPECT_EQ(e["data"]["step"], 40);
  EXPECT_EQ(e["data"]["resolution"], "832x480");
  EXPECT_EQ(e["data"]["step_label"], "3/8");
  EXPECT_EQ(e["data"]["prompt"], "a cat");
}

TEST(WebhookSink, LogLevelFiltersAndAuthHeader) {
  test::LoopbackServer server;
  auto errors_only = raw_target(server.url("/errors"));
  errors_only.log_level = WebhookLevel::kError;
  errors_only.auth_token = "tok";
  WebhookSink sink({errors_only, raw_target(server.url("/all"))}, {"", "p r", 1}, quiet());
  sink.on_checkpoint("/c", 1);
  sink.on_error("boom");
  flush(sink);
  int to_errors = 0, to_all = 0;
  for (const auto& r : server.requests()) {
    if (r.path == "/errors") {
      ++to_errors;
      EXPECT_EQ(r.api_key, "tok");
      EXPECT_NE(json::parse(r.body)["severity"], "info");
    } else {
      ++to_all;
      EXPECT_TRUE(r.api_key.empty());
    }
  }
  EXPECT_EQ(to_errors, 2);  // the two error events, not the checkpoint
  EXPECT_EQ(to_all, 3);
}

TEST(WebhookSink, DiscordGetsPrefixedTextAndAttachments) {
  test::TempDir dir;
  auto video = dir.write("cat.mp4", "VIDEOBYTES");
  test::LoopbackServer server;
  WebhookTarget discord;
  discord.type = WebhookType::kDiscord;
  discord.url = server.url("/discord");
  WebhookTarget named = discord;
  named.message_prefix = "mine";
  WebhookSink sink({discord, named}, {"", "proj run", 1}, quiet());
  WebhookProgressInfo p;
  p.step = 1;
  sink.on_progress(p);  // raw only: Discord is not told every step
  WebhookValidationInfo v;
  v.shortname = "cat";
  v.prompt = "a cat";
  v.videos = {video};
  sink.on_validation(v);
  flush(sink);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_TRUE(contains_text(requests[0].content_type, "multipart/form-data"));
  const auto& form = requests[0].form;
  ASSERT_EQ(form.count("content"), 1u) << requests[0].content_type << "\n" << requests[0].body;
  EXPECT_EQ(form.at("content").content,
            "`(proj run)` Validation video for `cat`\nValidation prompt: `a cat`");
  ASSERT_EQ(form.count("file0"), 1u);
  EXPECT_EQ(form.at("file0").filename, "cat.mp4");
  EXPECT_EQ(form.at("file0").content_type, "video/mp4");
  EXPECT_EQ(form.at("file0").content, "VIDEOBYTES");
  ASSERT_EQ(requests[1].form.count("content"), 1u);
  EXPECT_TRUE(contains_text(requests[1].form.at("content").content, "`(mine)` Validation video"));
}

TEST(WebhookSink, UnreachableBackendNeverReachesTheCaller) {
  int closed_port = 0;
  {
    test::LoopbackServer gone;
    closed_port = gone.port();
  }
  std::vector<std::string> warnings;
  WebhookSenderOptions o = quiet();
  o.warn = [&](const std::string& s) { warnings.push_back(s); };
  auto target = raw_target("http://127.0.0.1:" + std::to_string(closed_port) + "/x");
  target.retries = 1;
  WebhookSink sink({target}, {"", "p r", 1}, o);
  EXPECT_NO_THROW(sink.on_checkpoint("/c", 1));
  EXPECT_NO_THROW(sink.on_error("x"));
  flush(sink);
  // checkpoint + the two error events; one warning each, not one per attempt
  EXPECT_EQ(sink.stats().failed, 3);
  EXPECT_EQ(sink.stats().attempts, 6);
  EXPECT_EQ(warnings.size(), 3u);
}

}  // namespace
}  // namespace reel
