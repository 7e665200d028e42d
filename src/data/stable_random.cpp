#include "data/stable_random.h"
#include "core/splitmix64.h"

namespace reel {
uint64_t stable_hash(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

StableRandom::StableRandom(std::initializer_list<uint64_t> seed_parts) {
  uint64_t seed = 0;
  for (uint64_t part : seed_parts) seed = splitmix64(seed ^ part);
  engine_.seed(seed);
}

uint64_t StableRandom::below(uint64_t n) {
  // Reject the top partial copy of [0, n) so that every value is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = engine_();
  } while (x >= limit);
  return x % n;
}

double StableRandom::uniform() {
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

}  // namespace reel
