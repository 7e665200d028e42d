#include "app/cli.h"

#include <iostream>

#include "core/log.h"

namespace reel {

int run_cli(int, char**) {
  log::init();
  log::info("sum ", at::ones({2}).sum().item<float>());
  return 0;
}

}  // namespace reel
