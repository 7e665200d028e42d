// The timestep shift of flow matching, shared by training (train/flow_matching.h) and
// sampling (sample/): sigma = s*u / (1 + (s-1)*u) maps [0, 1] onto itself, pushing mass
// towards 1 (noise) for s > 1.
#pragma once

namespace reel {

inline double shift_sigma(double u, double s) {
  return s * u / (1.0 + (s - 1.0) * u);
}

// The inverse: u = sigma / (s - (s-1)*sigma).
inline double unshift_sigma(double sigma, double s) {
  return sigma / (s - (s - 1.0) * sigma);
}

}  // namespace reel
