// The response curves: the campaign's efficient frontier (the allocator's own optimal_split at
// each total spend, over the areas it kept) drawn as an SVG polyline.
#include "report_curves.hpp"

#include <algorithm>
#include <cmath>

namespace geotarget::detail {

namespace {

constexpr int kWidth = 640, kHeight = 260, kLeft = 90, kRight = 50, kTop = 16, kBottom = 40;
constexpr int kPoints = 80;

struct Frontier {
  std::vector<ResponseCurve> curves;
  double min = 0, max = HUGE_VAL;
  [[nodiscard]] double revenue_at(double total) const {
    const std::vector<double> split = optimal_split(curves, min, max, total);
    double sum = 0;
    for (std::size_t i = 0; i < split.size(); ++i) sum += curves[i].value(split[i]);
    return sum;
  }
  // The total spend where every area's marginal return is `lambda` (clamped to the bounds).
  [[nodiscard]] double spend_at(double lambda) const {
    double sum = 0;
    for (const ResponseCurve& c : curves) sum += std::clamp(c.spend_at(lambda), min, max);
    return sum;
  }
};

Frontier frontier_of(const CampaignAllocation& c) {
  Frontier f;
  f.min = static_cast<double>(c.min_per_area_cents) / 100;
  if (c.max_per_area_cents >= 0) f.max = static_cast<double>(c.max_per_area_cents) / 100;
  for (const AreaAllocation& a : c.areas)
    if (a.binding != Binding::merged && a.binding != Binding::excluded && a.audience > 0)
      f.curves.push_back(ResponseCurve::of(*c.response, a.audience));
  return f;
}

// A "nice" step (1, 2 or 5 times a power of ten) giving about `ticks` ticks up to `top`.
double tick_step(double top, int ticks) {
  const double raw = std::max(top, 1e-9) / ticks, power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

std::string money_label(double units, const std::string& currency) {
  return currency + " " + fixed_text(units, units < 10 ? 2 : 0, true);
}

struct Axes {
  double max_x, max_y;
  [[nodiscard]] double px(double x) const { return kLeft + (kWidth - kLeft - kRight) * x / max_x; }
  [[nodiscard]] double py(double y) const { return kHeight - kBottom - (kHeight - kTop - kBottom) * y / max_y; }
};

std::string axes_svg(const Axes& a, const std::string& currency) {
  std::string out;
  const double sx = tick_step(a.max_x, 5), sy = tick_step(a.max_y, 4);
  for (double x = 0; x <= a.max_x * (1 + 1e-9); x += sx)
    out += "<line class=\"grid\" x1=\"" + fixed_text(a.px(x), 1) + "\" x2=\"" + fixed_text(a.px(x), 1) + "\" y1=\"" +
           std::to_string(kTop) + "\" y2=\"" + std::to_string(kHeight - kBottom) + "\"/><text x=\"" + fixed_text(a.px(x), 1) +
           "\" y=\"" + std::to_string(kHeight - kBottom + 16) + "\" text-anchor=\"middle\">" + html_escape(money_label(x, currency)) + "</text>\n";
  for (double y = 0; y <= a.max_y * (1 + 1e-9); y += sy)
    out += "<line class=\"grid\" x1=\"" + std::to_string(kLeft) + "\" x2=\"" + std::to_string(kWidth - kRight) + "\" y1=\"" +
           fixed_text(a.py(y), 1) + "\" y2=\"" + fixed_text(a.py(y), 1) + "\"/><text x=\"" + std::to_string(kLeft - 6) + "\" y=\"" +
           fixed_text(a.py(y) + 4, 1) + "\" text-anchor=\"end\">" + html_escape(money_label(y, currency)) + "</text>\n";
  out += "<text x=\"" + std::to_string((kWidth + kLeft) / 2) + "\" y=\"" + std::to_string(kHeight - 4) +
         "\" text-anchor=\"middle\">total spend</text>";
  return out;
}

std::string marker(const Axes& a, double x, double y, const char* cls, int radius, const std::string& label) {
  return "<circle class=\"" + std::string(cls) + "\" cx=\"" + fixed_text(a.px(x), 1) + "\" cy=\"" + fixed_text(a.py(y), 1) +
         "\" r=\"" + std::to_string(radius) + "\"><title>" + html_escape(label) + "</title></circle>";
}

}  // namespace

std::string campaign_curve_svg(const CampaignView& view, const std::string& currency) {
  const CampaignAllocation& c = *view.campaign;
  if (!c.response) return "<p class=\"note\">The allocation has no response model: no curve.</p>\n";
  const Frontier f = frontier_of(c);
  if (f.curves.empty()) return "<p class=\"note\">No area was allocated: no curve.</p>\n";
  const double budget = static_cast<double>(c.budget_cents) / 100, start = f.min * static_cast<double>(f.curves.size());
  const double end = std::max(2 * budget, start * 1.1 + 1);
  std::vector<std::pair<double, double>> points;
  for (int i = 0; i <= kPoints; ++i) {
    const double x = start + (end - start) * i / kPoints;
    points.emplace_back(x, f.revenue_at(x));
  }
  const double planned = static_cast<double>(view.spent_cents) / 100;
  const bool floor = c.target_marginal_return > 0 && !c.spend_all && c.method == "optimal";
  const double saturation = floor ? std::min(f.spend_at(c.target_marginal_return), end) : 0;
  Axes axes{end, std::max(points.back().second, 1e-9) * 1.08};
  std::string path;
  for (const auto& [x, y] : points) path += (path.empty() ? "M" : "L") + fixed_text(axes.px(x), 1) + " " + fixed_text(axes.py(y), 1);
  std::string out = "<svg class=\"curve\" role=\"img\" width=\"" + std::to_string(kWidth) + "\" height=\"" + std::to_string(kHeight) +
                    "\" viewBox=\"0 0 " + std::to_string(kWidth) + " " + std::to_string(kHeight) + "\">\n" + axes_svg(axes, currency) +
                    "<line class=\"budget\" x1=\"" + fixed_text(axes.px(budget), 1) + "\" x2=\"" + fixed_text(axes.px(budget), 1) +
                    "\" y1=\"" + std::to_string(kTop) + "\" y2=\"" + std::to_string(kHeight - kBottom) + "\"><title>budget " +
                    html_escape(format_money(c.budget_cents, currency)) + "</title></line><text class=\"budget\" x=\"" +
                    fixed_text(axes.px(budget) + 4, 1) + "\" y=\"" + std::to_string(kTop + 10) + "\">budget</text>\n" +
                    "<path class=\"frontier\" d=\"" + path + "\"/>\n";
  out += marker(axes, planned, view.expected_response, "planned", 5,
                "planned: " + format_money(view.spent_cents, currency) + " for an expected revenue of " +
                    money_label(view.expected_response, currency));
  if (floor && saturation > 0)  // a ring, drawn last: it often sits on the planned point
    out += marker(axes, saturation, f.revenue_at(saturation), "saturation", 8,
                  "saturation: beyond " + money_label(saturation, currency) + " a further " + currency + " 1.00 returns less than " +
                      currency + " " + fixed_text(c.target_marginal_return, 2));
  return out + "</svg>\n";
}

std::string area_curve_attributes(const CampaignAllocation& c, const AreaAllocation& area) {
  if (!c.response || area.audience <= 0) return "";
  const ResponseCurve r = ResponseCurve::of(*c.response, area.audience);
  return " data-a=\"" + fixed_text(r.max_value, 6) + "\" data-s=\"" + fixed_text(r.scale, 6) + "\" data-x=\"" +
         fixed_text(static_cast<double>(area.budget_cents) / 100, 2) + "\"";
}

}  // namespace geotarget::detail
