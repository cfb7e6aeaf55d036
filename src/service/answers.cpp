#include "answers.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace geotarget::service {

namespace {

// The /24 or /48 network as text, without allocating for IPv4 (the common case).
std::string_view private_network(const IpAddress& ip, std::array<char, 64>& buf) {
  if (!ip.is_v4()) {
    const std::string text = ip.to_private_string();
    const std::size_t n = std::min(text.size(), buf.size());
    std::copy_n(text.data(), n, buf.data());
    return {buf.data(), n};
  }
  std::size_t n = 0;
  for (std::size_t i = 12; i < 15; ++i) {
    const unsigned v = ip.bytes()[i];
    if (v >= 100) buf[n++] = static_cast<char>('0' + v / 100);
    if (v >= 10) buf[n++] = static_cast<char>('0' + v / 10 % 10);
    buf[n++] = static_cast<char>('0' + v % 10);
    buf[n++] = '.';
  }
  for (char c : {'0', '/', '2', '4'}) buf[n++] = c;
  return {buf.data(), n};
}

// The nearest of a campaign's stores holding the visitor, for campaigns that target stores:
// {"id", "name", "km"} (geodesic, to 0.1 km), or null when the visitor is targeted otherwise.
void write_store(JsonWriter& w, const CampaignChoice& c) {
  w.key("store");
  if (!c.store) {
    w.null();
    return;
  }
  w.begin_object().key("id").string(c.store->id).key("name").string(c.store->name);
  w.key("km").number(std::round(c.store_km * 10) / 10).end_object();
}

}  // namespace

void write_campaigns(JsonWriter& w, std::span<const CampaignChoice> chosen) {
  w.begin_array();
  for (const CampaignChoice& c : chosen) {
    w.begin_object().key("id").string(c.campaign->id);
    if (c.offer) {
      w.key("offer").string(c.offer->id).key("offer_text").string_or_null(c.offer->text);
    } else {
      w.key("offer").null().key("offer_text").null();
    }
    w.key("area_id");
    if (c.area) {
      w.string(c.area->id);
    } else if (c.campaign->level == PlaceLevel::store && c.store) {
      w.string(c.store->id);  // the store's catchment is the area its budget is split over
    } else {
      w.null();
    }
    if (!c.campaign->include.radius.empty()) write_store(w, c);
    w.key("priority").integer(c.campaign->priority).end_object();
  }
  w.end_array();
}

void write_decision(JsonWriter& w, const IpAddress& ip, const Decision& d, std::span<const CampaignChoice> chosen,
                    const PlacesJson& places) {
  std::array<char, 64> buf;
  w.begin_object().key("ip").string(private_network(ip, buf)).key("found").boolean(d.status == LookupStatus::found);
  if (d.status == LookupStatus::special_range) {
    w.key("reason").string(describe(d.address_class));
  } else if (d.status != LookupStatus::found) {
    w.key("reason").string(describe(d.status));
  }
  w.key("location");
  if (d.location) {
    write_location(w, *d.location);
  } else {
    w.null();
  }
  w.key("places");
  places.write(w, d.places);
  w.key("time_zone").string_or_null(answer_time_zone(d.places, d.location));
  w.key("campaigns");
  write_campaigns(w, chosen);
  w.end_object();
}

void write_error(std::string& out, std::string_view code, std::string_view detail) {
  JsonWriter w(out);
  w.begin_object().key("error").string(code);
  if (!detail.empty()) w.key("detail").string(detail);
  w.end_object();
}

}  // namespace geotarget::service
