#include "app/cli.h"

int main(int argc, char** argv) {
  return reel::run_cli(argc, argv);
}
