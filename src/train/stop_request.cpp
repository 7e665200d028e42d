#include "train/stop_request.h"

#include <unistd.h>
#include <csignal>
#include <cstdlib>

namespace reel {
namespace {

volatile std::sig_atomic_t g_requests = 0;
struct sigaction g_old_int, g_old_term;

void on_signal(int) {
  g_requests = g_requests + 1;
  if (g_requests == 1) {
    const char message[] =
        "\nstopping after this step: writing a checkpoint (Ctrl-C again to stop at once)\n";
    [[maybe_unused]] auto n = write(STDERR_FILENO, message, sizeof message - 1);
  } else {
    std::_Exit(130);
  }
}

}  // namespace

StopRequest::StopRequest() {
  g_requests = 0;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_old_int);
  sigaction(SIGTERM, &action, &g_old_term);
}

StopRequest::~StopRequest() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

bool StopRequest::requested() const {
  return g_requests > 0;
}

void StopRequest::request() {
  g_requests = g_requests + 1;
}

}  // namespace reel
