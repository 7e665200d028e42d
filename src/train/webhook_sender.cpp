#include "train/webhook_sender.h"

#include <httplib.h>

#include "core/log.h"

namespace reel {
namespace {

// "http://host:port/a/b?c" -> {"http://host:port", "/a/b?c"}.
std::pair<std::string, std::string> split_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path_start == std::string::npos) return {url, "/"};
  return {url.substr(0, path_start), url.substr(path_start)};
}

bool worth_retrying(int status) {
  return status >= 500 || status == 429;
}

}  // namespace

WebhookSender::WebhookSender(WebhookSenderOptions options) : options_(std::move(options)) {
  worker_ = std::thread([this] { run(); });
}

WebhookSender::~WebhookSender() {
  size_t left = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    left = queue_.size();
  }
  wake_.notify_all();
  worker_.join();
  if (left > 0) {
    warn("webhook: " + std::to_string(left) + " notification(s) not sent before shutdown");
  }
}

bool WebhookSender::post(HttpPost request) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= options_.queue_capacity) {
      ++stats_.dropped;
    } else {
      queue_.push_back(std::move(request));
      wake_.notify_one();
      return true;
    }
  }
  warn("webhook: queue full (" + std::to_string(options_.queue_capacity) +
       " pending); dropped a notification to " + request.url);
  return false;
}

bool WebhookSender::flush(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  return idle_.wait_until(lock, deadline, [this] { return queue_.empty() && !busy_; });
}

WebhookSenderStats WebhookSender::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void WebhookSender::warn(const std::string& message) const {
  if (options_.warn) {
    options_.warn(message);
  } else {
    log::warn(message);
  }
}

bool WebhookSender::backoff(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !wake_.wait_for(lock, d, [this] { return stop_; });
}

void WebhookSender::run() {
  for (;;) {
    HttpPost request;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) {
        stats_.dropped += static_cast<int64_t>(queue_.size());
        busy_ = false;
        idle_.notify_all();
        return;
      }
      request = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    deliver(request);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      busy_ = false;
      if (queue_.empty()) idle_.notify_all();
    }
  }
}

void WebhookSender::deliver(const HttpPost& request) {
  const auto [origin, path] = split_url(request.url);
  const auto timeout =
      std::chrono::microseconds(static_cast<int64_t>(request.timeout_seconds * 1e6));
  httplib::Headers headers;
  for (const auto& [name, value] : request.headers) headers.emplace(name, value);

  std::string last_failure;
  int attempts = 0;
  auto wait = options_.first_backoff;
  for (int attempt = 0; attempt <= request.retries; ++attempt) {
    if (attempt > 0) {
      if (!backoff(wait)) return;  // shutting down: the destructor reports what is left
      wait *= 2;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.attempts;
    }
    ++attempts;
    httplib::Client client(origin);
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    const auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(timeout - secs);
    client.set_connection_timeout(secs.count(), usecs.count());
    client.set_read_timeout(secs.count(), usecs.count());
    client.set_write_timeout(secs.count(), usecs.count());
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    client.enable_server_certificate_verification(request.verify_tls);
#endif
    auto result = client.Post(path, headers, request.body, request.content_type);
    if (!result) {
      last_failure = httplib::to_string(result.error());
      continue;
    }
    const int status = result->status;
    if (status >= 200 && status < 300) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.delivered;
      return;
    }
    last_failure = "HTTP " + std::to_string(status);
    if (!worth_retrying(status)) break;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.failed;
  }
  warn("webhook: could not deliver to " + request.url + " after " + std::to_string(attempts) +
       " attempt(s) (" + last_failure + "); training goes on");
}

}  // namespace reel
