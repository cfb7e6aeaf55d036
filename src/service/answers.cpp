#include "service/answers.hpp"

namespace geotarget::service {

void write_location(JsonWriter& w, const Location& l) {
  w.begin_object();
  w.key("lat").number(l.lat).key("lon").number(l.lon).key("accuracy_km").number(l.accuracy_km);
  w.key("country").string_or_null(l.country).key("region").string_or_null(l.region);
  w.key("city").string_or_null(l.city).key("postal").string_or_null(l.postal);
  w.key("time_zone").string_or_null(l.time_zone);
  w.end_object();
}

void write_places(JsonWriter& w, const PlaceChain& places) {
  w.begin_object();
  for (std::size_t level = 0; level < kPlaceLevels; ++level) {
    const Place* p = places.at[level];
    if (!p) continue;
    w.key(describe(static_cast<PlaceLevel>(level))).begin_object();
    w.key("id").string(p->id).key("name").string(p->name).end_object();
  }
  w.end_object();
}

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
    } else {
      w.null();
    }
    w.key("priority").integer(c.campaign->priority).end_object();
  }
  w.end_array();
}

void write_decision(JsonWriter& w, const IpAddress& ip, const Decision& d, std::span<const CampaignChoice> chosen) {
  const std::string network = ip.to_private_string();
  w.begin_object().key("ip").string(network).key("found").boolean(d.status == LookupStatus::found);
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
  write_places(w, d.places);
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
