// SplitMix64 (Steele, Lea, Flood 2014): turns any 64-bit value into a well-mixed one. Seeds of
// the random generators that must be the same on every machine and library are derived with
// it (data/stable_random.h, adapters/lora_dropout.h).
#pragma once

#include <cstdint>

namespace reel {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace reel
