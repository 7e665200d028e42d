#include "train/webhook_sender.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>

#include "support/error_of.h"
#include "train/loopback_server.h"

namespace reel {
namespace {

using Clock = std::chrono::steady_clock;
using test::contains_text;

// Warnings collected instead of logged.
struct Warnings {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& s) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(s);
    };
  }
  std::vector<std::string> all() {
    std::lock_guard<std::mutex> lock(mutex);
    return lines;
  }
};

WebhookSenderOptions fast(Warnings& w) {
  WebhookSenderOptions o;
  o.first_backoff = std::chrono::milliseconds(1);
  o.warn = w.sink();
  return o;
}

HttpPost json_post(const std::string& url, int retries = 2, double timeout = 5.0) {
  return {url, "application/json", R"({"a":1})", {{"X-API-Key", "k"}}, timeout, retries};
}

TEST(WebhookSender, DeliversBodyAndHeaders) {
  test::LoopbackServer server;
  Warnings w;
  WebhookSender sender(fast(w));
  EXPECT_TRUE(sender.post(json_post(server.url("/cb?x=1"))));
  ASSERT_TRUE(sender.flush(Clock::now() + std::chrono::seconds(20)));
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/cb");
  EXPECT_EQ(requests[0].body, R"({"a":1})");
  EXPECT_EQ(requests[0].content_type, "application/json");
  EXPECT_EQ(requests[0].api_key, "k");
  EXPECT_FALSE(requests[0].has_authorization);
  EXPECT_EQ(sender.stats().delivered, 1);
  EXPECT_TRUE(w.all().empty());
}

TEST(WebhookSender, RetriesTwo500sThenSucceeds) {
  test::LoopbackServer server([](int n) { return n < 2 ? 500 : 200; });
  Warnings w;
  WebhookSender sender(fast(w));
  sender.post(json_post(server.url()));
  ASSERT_TRUE(sender.flush(Clock::now() + std::chrono::seconds(20)));
  EXPECT_EQ(server.requests().size(), 3u);
  const auto stats = sender.stats();
  EXPECT_EQ(stats.attempts, 3);
  EXPECT_EQ(stats.delivered, 1);
  EXPECT_EQ(stats.failed, 0);
  EXPECT_TRUE(w.all().empty());
}

TEST(WebhookSender, GivesUpAfterTheRetriesWithOneWarning) {
  test::LoopbackServer server([](int) { return 503; });
  Warnings w;
  WebhookSender sender(fast(w));
  sender.post(json_post(server.url(), /*retries=*/1));
  ASSERT_TRUE(sender.flush(Clock::now() + std::chrono::seconds(20)));
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(sender.stats().failed, 1);
  auto lines = w.all();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(contains_text(lines[0], "HTTP 503")) << lines[0];
  EXPECT_TRUE(contains_text(lines[0], server.url())) << lines[0];
}

TEST(WebhookSender, ClientErrorsAreNotRetried) {
  test::LoopbackServer server([](int) { return 404; });
  Warnings w;
  WebhookSender sender(fast(w));
  sender.post(json_post(server.url()));
  ASSERT_TRUE(sender.flush(Clock::now() + std::chrono::seconds(20)));
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(w.all().size(), 1u);
}

TEST(WebhookSender, UnreachableUrlIsToleratedAndRetried) {
  int closed_port = 0;
  {
    test::LoopbackServer gone;
    closed_port = gone.port();
  }
  Warnings w;
  WebhookSender sender(fast(w));
  EXPECT_TRUE(sender.post(json_post("http://127.0.0.1:" + std::to_string(closed_port) + "/x")));
  ASSERT_TRUE(sender.flush(Clock::now() + std::chrono::seconds(20)));
  const auto stats = sender.stats();
  EXPECT_EQ(stats.attempts, 3);
  EXPECT_EQ(stats.failed, 1);
  auto lines = w.all();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(contains_text(lines[0], "after 3 attempt(s)")) << lines[0];
}

// A server that holds every request until released.
struct HangingServer {
  std::mutex mutex;
  std::condition_variable cv;
  bool released = false;
  test::LoopbackServer server{[this](int) {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [this] { return released; });
    return 200;
  }};
  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      released = true;
    }
    cv.notify_all();
  }
  ~HangingServer() { release(); }
};

TEST(WebhookSender, HangingServerTimesOutWithAWarning) {
  HangingServer hanging;
  Warnings w;
  WebhookSender sender(fast(w));
  // post returns while the server is still holding nothing: it only queues.
  EXPECT_TRUE(sender.post(json_post(hanging.server.url(), /*retries=*/0, /*timeout=*/0.2)));
  ASSERT_TRUE(sender.flush(Clock::now() + std::chrono::seconds(20)));
  EXPECT_EQ(sender.stats().failed, 1);
  auto lines = w.all();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(contains_text(lines[0], "could not deliver")) << lines[0];
  hanging.release();
}

TEST(WebhookSender, FlushStopsAtItsDeadlineWhileARequestHangs) {
  HangingServer hanging;
  Warnings w;
  WebhookSender sender(fast(w));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(sender.post(json_post(hanging.server.url(), 0, /*timeout=*/30)));
  }
  // All three calls returned although the server has answered nothing.
  EXPECT_EQ(sender.stats().delivered, 0);
  EXPECT_FALSE(sender.flush(Clock::now() + std::chrono::milliseconds(50)));
  hanging.release();
  EXPECT_TRUE(sender.flush(Clock::now() + std::chrono::seconds(20)));
  EXPECT_EQ(sender.stats().delivered, 3);
}

TEST(WebhookSender, FullQueueDropsWithAWarning) {
  HangingServer hanging;
  Warnings w;
  auto options = fast(w);
  options.queue_capacity = 1;
  auto sender = std::make_unique<WebhookSender>(options);
  // The first may already be in flight; by the third one the queue of one is full.
  sender->post(json_post(hanging.server.url(), 0, 30));
  sender->post(json_post(hanging.server.url(), 0, 30));
  sender->post(json_post(hanging.server.url(), 0, 30));
  EXPECT_GE(sender->stats().dropped, 1);
  EXPECT_FALSE(w.all().empty());
  EXPECT_TRUE(contains_text(w.all()[0], "queue full")) << w.all()[0];
  hanging.release();
  sender.reset();
}

}  // namespace
}  // namespace reel
