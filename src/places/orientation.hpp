// Internal: the exact sign of the orientation determinant
//   (bx - ax) * (py - ay) - (by - ay) * (px - ax)
// for double coordinates: > 0 when p is left of the directed line a -> b, 0 on it, < 0 right.
// A floating-point filter answers almost every call; near-degenerate cases are decided exactly
// with error-free transformations (two-sum, fma two-product) and an exact expansion sum.
#pragma once

#include <array>
#include <cmath>

namespace geotarget::detail {

namespace exact {

struct Pair {
  double hi, lo;  // hi + lo == the exact value
};

inline Pair two_sum(double a, double b) noexcept {
  double s = a + b, bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

inline Pair two_product(double a, double b) noexcept {
  double p = a * b;
  return {p, std::fma(a, b, -p)};
}

// Adds b to the expansion e[0..n) (Shewchuk's grow-expansion); returns the new length.
inline int grow(std::array<double, 33>& e, int n, double b) noexcept {
  double q = b;
  for (int i = 0; i < n; ++i) {
    Pair s = two_sum(q, e[i]);
    e[i] = s.lo;
    q = s.hi;
  }
  e[n] = q;
  return n + 1;
}

}  // namespace exact

[[nodiscard]] inline int orientation(double ax, double ay, double bx, double by, double px,
                                     double py) noexcept {
  const double l = (bx - ax) * (py - ay), r = (by - ay) * (px - ax), det = l - r;
  const double bound = 1e-12 * (std::fabs(l) + std::fabs(r));
  if (det > bound) return 1;
  if (det < -bound) return -1;
  const exact::Pair u = exact::two_sum(bx, -ax), v = exact::two_sum(py, -ay);
  const exact::Pair s = exact::two_sum(by, -ay), t = exact::two_sum(px, -ax);
  const double us[2] = {u.hi, u.lo}, vs[2] = {v.hi, v.lo}, ss[2] = {s.hi, s.lo}, ts[2] = {t.hi, t.lo};
  std::array<double, 33> e{};
  int n = 0;
  for (double a : us)
    for (double b : vs) {
      exact::Pair p = exact::two_product(a, b);
      n = exact::grow(e, exact::grow(e, n, p.hi), p.lo);
    }
  for (double a : ss)
    for (double b : ts) {
      exact::Pair p = exact::two_product(a, b);
      n = exact::grow(e, exact::grow(e, n, -p.hi), -p.lo);
    }
  for (int i = n - 1; i >= 0; --i) {
    if (e[i] > 0) return 1;
    if (e[i] < 0) return -1;
  }
  return 0;
}

}  // namespace geotarget::detail
