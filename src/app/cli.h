// The `reel` command line: subcommands, global flags, and the top-level error handler that
// prints a reel::Error without a stack trace.
#pragma once

namespace reel {

int run_cli(int argc, char** argv);

}  // namespace reel
