#include <gtest/gtest.h>

#include <csignal>

#include "train/stop_request.h"

namespace reel {
namespace {

TEST(StopRequest, ASignalAsksTheLoopToStop) {
  StopRequest stop;
  EXPECT_FALSE(stop.requested());
  std::raise(SIGINT);  // handled: the process goes on
  EXPECT_TRUE(stop.requested());
}

TEST(StopRequest, EachRunStartsUnrequestedAndTheOldHandlerComesBack) {
  {
    StopRequest stop;
    StopRequest::request();
    EXPECT_TRUE(stop.requested());
  }
  StopRequest again;
  EXPECT_FALSE(again.requested());
}

}  // namespace
}  // namespace reel
