#include "daily_curve.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cstdio>

namespace geotarget::detail {

using std::chrono::hours;
using std::chrono::seconds;

namespace {
constexpr seconds kQuarter{900};
}

std::optional<SysSeconds> utc_midnight(const std::string& iso) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (iso.size() != 10 || std::sscanf(iso.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return SysSeconds{std::chrono::sys_days{ymd}};
}

DailyCurve::DailyCurve(const date::time_zone* zone, SysSeconds start, SysSeconds end, const std::array<double, 24>& profile)
    : zone_(zone), start_(start), end_(end), profile_(profile) {
  at_quarter_.reserve(static_cast<std::size_t>((end_ - start_) / kQuarter) + 1);
  at_quarter_.push_back(0);
  for (SysSeconds q = start_; q < end_; q += kQuarter) at_quarter_.push_back(at_quarter_.back() + weight_between(q, q + kQuarter));
  total_ = at_quarter_.back();
}

double DailyCurve::weight_until(SysSeconds t) const {
  t = std::clamp(t, start_, end_);
  const auto q = static_cast<std::size_t>((t - start_) / kQuarter);
  if (q + 1 >= at_quarter_.size()) return total_;
  const double into = static_cast<double>((t - start_ - q * kQuarter).count()) / static_cast<double>(kQuarter.count());
  return at_quarter_[q] + (at_quarter_[q + 1] - at_quarter_[q]) * into;
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
