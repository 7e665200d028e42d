// Ctrl-C (SIGINT) and SIGTERM during training ask the loop to stop at the next step boundary,
// where it writes a checkpoint and exits cleanly; a second Ctrl-C stops at once.
//
//   StopRequest stop;                      // installs the handlers, restores them when done
//   for (...) { step(); if (stop.requested()) { save_checkpoint(); break; } }
#pragma once

namespace reel {

class StopRequest {
 public:
  StopRequest();
  ~StopRequest();
  StopRequest(const StopRequest&) = delete;
  StopRequest& operator=(const StopRequest&) = delete;

  bool requested() const;
  // For tests and for stopping after a step count: behaves as if Ctrl-C was pressed once.
  static void request();
};

}  // namespace reel
