#include "geotarget/answers_json.hpp"

namespace geotarget {

void write_location(JsonWriter& w, const Location& l) {
  w.begin_object();
  w.key("lat").number(l.position.lat).key("lon").number(l.position.lon).key("accuracy_km").number(l.accuracy_km);
  w.key("country").string_or_null(l.country).key("region").string_or_null(l.region);
  w.key("city").string_or_null(l.city).key("postal").string_or_null(l.postal);
  w.key("time_zone").string_or_null(l.time_zone).key("precision").string(describe(l.precision));
  w.end_object();
}

std::string_view answer_time_zone(const PlaceChain& chain, const Location* location) noexcept {
  if (const Place* town = chain[PlaceLevel::town]; town && !town->time_zone.empty()) return town->time_zone;
  return location ? location->time_zone : std::string_view();
}

PlacesJson::PlacesJson(const PlaceIndex& index) : base_(index.places().data()) {
  starts_.reserve(index.places().size() + 1);
  for (const Place& p : index.places()) {
    starts_.push_back(text_.size());
    JsonWriter w(text_);
    w.key(describe(p.level)).begin_object().key("id").string(p.id).key("name").string(p.name).end_object();
  }
  starts_.push_back(text_.size());
}

void PlacesJson::write(JsonWriter& w, const PlaceChain& chain) const {
  w.begin_object();
  for (const Place* p : chain.at)
    if (p) w.raw_member(of(*p));
  w.end_object();
}

}  // namespace geotarget
