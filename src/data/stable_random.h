// Random numbers that are the same on every machine and every run for the same seed: the
// data pipeline draws random crops, random crop aspects and the sampler's epoch order from
// them, and a resumed run must redraw exactly what the interrupted one drew.
//
// std::mt19937_64's output is fixed by the standard, but std::uniform_int_distribution and
// std::shuffle are not (each standard library may draw differently), so the bounded draws and
// the shuffle are written out here.
//
//   StableRandom rng({seed, stable_hash(relative_path)});
//   int x = static_cast<int>(rng.below(max_x + 1));
#pragma once

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

namespace reel {

// FNV-1a 64 of the bytes: a stable way to turn a name into seed material.
uint64_t stable_hash(std::string_view bytes);

class StableRandom {
 public:
  // The parts are mixed (splitmix64) into one 64-bit seed of a std::mt19937_64.
  explicit StableRandom(std::initializer_list<uint64_t> seed_parts);

  uint64_t next() { return engine_(); }
  // Uniform in [0, n), unbiased (rejection); n > 0.
  uint64_t below(uint64_t n);
  // Uniform in [0, 1) with 53 random bits.
  double uniform();

  // Fisher-Yates from the back, drawing below(i + 1) for i = n-1 .. 1.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace reel
