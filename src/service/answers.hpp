// Internal: the JSON bodies of the service's answers (docs/operations.md has the schema).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "geotarget/decision.hpp"
#include "json_writer.hpp"

namespace geotarget::service {

using detail::JsonWriter;

/// `"level":{"id":…,"name":…}` for every place of an index, written once per snapshot so that
/// answers copy them instead of escaping names per request.
class PlaceFragments {
 public:
  explicit PlaceFragments(const PlaceIndex& index);
  [[nodiscard]] std::string_view of(const Place& place) const noexcept {
    const auto i = static_cast<std::size_t>(&place - base_);
    return std::string_view(text_).substr(starts_[i], starts_[i + 1] - starts_[i]);
  }

 private:
  const Place* base_;
  std::string text_;
  std::vector<std::size_t> starts_;
};

/// The location object, as `geotarget ip` prints it.
void write_location(JsonWriter& w, const Location& location);
/// {"country": {"id", "name"}, ...}; levels without a place are absent.
void write_places(JsonWriter& w, const PlaceChain& places, const PlaceFragments& fragments);
/// [{"id", "offer", "offer_text", "area_id", "priority"}, ...]
void write_campaigns(JsonWriter& w, std::span<const CampaignChoice> chosen);
/// One /v1/decide answer: {"ip": truncated, "found", ["reason"], "location", "places", "campaigns"}.
void write_decision(JsonWriter& w, const IpAddress& ip, const Decision& decision,
                    std::span<const CampaignChoice> chosen, const PlaceFragments& fragments);
/// {"error": code, "detail": detail}; detail names the parameter or field, never a visitor address.
void write_error(std::string& out, std::string_view code, std::string_view detail);

}  // namespace geotarget::service
