// Delivers webhook POSTs on a background thread, so the training loop never waits on the
// network. `post` only queues (a full queue drops the request with one warning); the thread
// sends each request, retrying connection errors, timeouts and 5xx/429 answers with a
// doubling backoff; a request that still fails is logged as one warning and forgotten.
// Nothing here ever throws into the caller after construction.
//
//   WebhookSender sender;
//   sender.post({url, "application/json", body, {{"X-API-Key", token}}, 5.0, 2});
//   sender.flush(std::chrono::steady_clock::now() + std::chrono::seconds(10));  // end of run
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace reel {

struct HttpPost {
  std::string url;  // http(s)://host[:port][/path]
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  double timeout_seconds = 5.0;  // connect, and then read/write, per attempt
  int retries = 2;               // attempts after the first
  bool verify_tls = true;        // https: check the server certificate (system CA store)
};

struct WebhookSenderOptions {
  size_t queue_capacity = 256;
  std::chrono::milliseconds first_backoff{500};  // then doubled per retry
  // Where failures go; log::warn when empty. Tests collect them here.
  std::function<void(const std::string&)> warn;
};

struct WebhookSenderStats {
  int64_t attempts = 0;
  int64_t delivered = 0;  // answered 2xx
  int64_t failed = 0;     // gave up after the last attempt
  int64_t dropped = 0;    // queue full, or still queued when the sender was destroyed
};

class WebhookSender {
 public:
  explicit WebhookSender(WebhookSenderOptions options = {});
  // Stops after the request in flight (at most its timeout); what is still queued is
  // dropped with one warning. Call flush first to give it a chance.
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Queues and returns at once; false when the queue was full and the request dropped.
  bool post(HttpPost request);

  // Waits until every queued request is delivered or given up, or until `deadline`;
  // true when nothing is left. Requests still pending at the deadline stay queued.
  bool flush(std::chrono::steady_clock::time_point deadline);

  WebhookSenderStats stats() const;

 private:
  void run();
  void deliver(const HttpPost& request);
  void warn(const std::string& message) const;
  // Sleeps for `d` unless the sender is being destroyed; false when it is.
  bool backoff(std::chrono::milliseconds d);

  WebhookSenderOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;  // work arrived, or stop
  std::condition_variable idle_;  // queue drained and nothing in flight
  std::deque<HttpPost> queue_;
  bool busy_ = false;
  bool stop_ = false;
  WebhookSenderStats stats_;
  std::thread worker_;
};

}  // namespace reel
