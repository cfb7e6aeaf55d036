#include "daily_curve.hpp"

#include <date/tz.h>

#include <algorithm>

namespace geotarget::detail {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::seconds;

DailyCurve::DailyCurve(const date::time_zone* zone, SysSeconds start, SysSeconds end, const std::array<double, 24>& profile)
    : zone_(zone), start_(start), end_(end), profile_(profile) {
  at_midnight_.push_back(0);
  for (SysSeconds day = start_; day < end_; day += days{1})
    at_midnight_.push_back(at_midnight_.back() + weight_between(day, std::min(day + days{1}, end_)));
  total_ = at_midnight_.back();
}

double DailyCurve::weight_until(SysSeconds t) const {
  t = std::clamp(t, start_, end_);
  const auto day = std::chrono::floor<days>(t - start_).count();
  const SysSeconds midnight = start_ + days{day};
  return at_midnight_[static_cast<std::size_t>(day)] + weight_between(midnight, t);
}

// The profile integrated over [from, to), in hours x weight: piece by piece, each piece within
// one local hour and one offset of the zone.
double DailyCurve::weight_between(SysSeconds from, SysSeconds to) const {
  double sum = 0;
  while (from < to) {
    const date::sys_info info = zone_->get_info(from);
    const seconds local = from.time_since_epoch() + info.offset;
    const seconds into_hour = local - std::chrono::floor<hours>(local);
    const auto hour = static_cast<std::size_t>(((std::chrono::floor<hours>(local).count() % 24) + 24) % 24);
    const SysSeconds next = std::min({from + (hours{1} - into_hour), to, SysSeconds{info.end}});
    sum += profile_[hour] * std::chrono::duration<double, std::ratio<3600>>(next - from).count();
    from = next;
  }
  return sum;
}

}  // namespace geotarget::detail
