// A real HTTP server on 127.0.0.1 (ephemeral port) for the webhook tests: it records every
// request and answers with what `respond` says (200 unless set).
#pragma once

#include <httplib.h>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace reel::test {

struct RecordedRequest {
  std::string path;
  std::string body;
  std::string content_type;
  std::string api_key;  // X-API-Key, empty when absent
  bool has_authorization = false;
  // multipart/form-data fields (the server parses them out of the body): name -> part.
  std::map<std::string, httplib::MultipartFormData> form;
};

class LoopbackServer {
 public:
  // `respond(n)` gives the status of the n-th request (0-based).
  explicit LoopbackServer(std::function<int(int)> respond = [](int) { return 200; })
      : respond_(std::move(respond)) {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      int index = 0;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        index = static_cast<int>(requests_.size());
        requests_.push_back({req.path,
                             req.body,
                             req.get_header_value("Content-Type"),
                             req.get_header_value("X-API-Key"),
                             req.has_header("Authorization"),
                             {req.files.begin(), req.files.end()}});
      }
      res.status = respond_(index);
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // The socket already listens; wait only so that stop() finds the loop running.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~LoopbackServer() { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  std::function<int(int)> respond_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace reel::test
