// The Beta(a, b) distribution's CDF (the regularised incomplete beta function I_x(a, b)) and
// its inverse. The flow-matching sampler draws u ~ Beta(flow_beta_schedule_alpha,
// flow_beta_schedule_beta) by inverting the CDF, because a Wan 2.2 expert needs the same
// distribution restricted to part of [0, 1), which is one uniform draw between two CDF values.
//
//   double u = beta_quantile(2.0, 2.0, p);   // p uniform in [0, 1)
#pragma once

namespace reel {

// I_x(a, b) for a, b > 0: 0 at x <= 0, 1 at x >= 1. Accurate to about 1e-14.
double beta_cdf(double a, double b, double x);

// The x in [0, 1] with beta_cdf(a, b, x) = p, found by bisection to about 1e-15; p is clamped
// to [0, 1].
double beta_quantile(double a, double b, double p);

}  // namespace reel
