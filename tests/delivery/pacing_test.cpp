// Pacing: the daily curve in local time (DST days included) and the controller over a ledger.
#include <catch2/catch.hpp>

#include <date/tz.h>

#include <numeric>

#include "daily_curve.hpp"
#include "geotarget/delivery.hpp"

using namespace geotarget;
using detail::DailyCurve;
using detail::SysSeconds;
using std::chrono::hours;

namespace {

SysSeconds utc(int y, unsigned m, unsigned d, int h = 0) {
  return SysSeconds{std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}}} + hours{h};
}

double sum(const std::array<double, 24>& p) { return std::accumulate(p.begin(), p.end(), 0.0); }

}  // namespace

TEST_CASE("daily curve: a plain day weighs every local hour once, shifted by the zone's offset") {
  const auto& p = kDefaultDailyProfile;
  // Tokyo is UTC+9 all year: the UTC day 2026-03-08 is local 09:00 on the 8th to 09:00 on the 9th.
  DailyCurve tokyo(date::locate_zone("Asia/Tokyo"), utc(2026, 3, 8), utc(2026, 3, 9), p);
  CHECK(tokyo.weight_until(utc(2026, 3, 9)) == Approx(sum(p)));
  CHECK(tokyo.weight_until(utc(2026, 3, 8, 1)) == Approx(p[9]));  // 00:00-01:00 UTC is 09:00-10:00 local
  // India is UTC+5:30: the first UTC hour is half of local 05:00 and half of local 06:00.
  DailyCurve india(date::locate_zone("Asia/Kolkata"), utc(2026, 3, 8), utc(2026, 3, 9), p);
  CHECK(india.weight_until(utc(2026, 3, 8, 1)) == Approx(0.5 * p[5] + 0.5 * p[6]));
}

TEST_CASE("daily curve: DST days have 23 and 25 local hours, each weighted once") {
  const auto& p = kDefaultDailyProfile;
  const date::time_zone* ny = date::locate_zone("America/New_York");
  // 2026-03-08, local midnight to local midnight is 05:00Z to 04:00Z next day: 23 hours, 02:00 skipped.
  DailyCurve spring(ny, utc(2026, 3, 8), utc(2026, 3, 10), p);
  CHECK(spring.weight_until(utc(2026, 3, 9, 4)) - spring.weight_until(utc(2026, 3, 8, 5)) == Approx(sum(p) - p[2]));
  // 2026-11-01, 04:00Z to 05:00Z next day: 25 hours, 01:00 twice.
  DailyCurve autumn(ny, utc(2026, 11, 1), utc(2026, 11, 3), p);
  CHECK(autumn.weight_until(utc(2026, 11, 2, 5)) - autumn.weight_until(utc(2026, 11, 1, 4)) == Approx(sum(p) + p[1]));
  CHECK(autumn.share_until(utc(2026, 11, 3)) == Approx(1.0));
  CHECK(autumn.share_until(utc(2026, 10, 1)) == 0.0);  // clamped to the flight
}
