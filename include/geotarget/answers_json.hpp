// geotarget: the JSON of a location and of its places, as `geotarget ip`, `geotarget locate` and
// the decision service write them (docs/formats.md has the schema). One writer for all three.
//
//   geotarget::PlacesJson places(*index);            // every place's fragment, written once
//   std::string out;
//   geotarget::JsonWriter w(out);
//   w.begin_object().key("location");
//   geotarget::write_location(w, *lookup.location);  // {"lat", "lon", "accuracy_km", ...}
//   w.key("places");
//   places.write(w, chain);                          // {"country": {"id", "name"}, ...}
//   w.end_object();
//
// Thread-safety: a PlacesJson is immutable after construction; write() may run on any number
// of threads, each with its own JsonWriter.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "geotarget/ip_resolver.hpp"
#include "geotarget/json_writer.hpp"
#include "geotarget/place_index.hpp"

namespace geotarget {

/// {"lat", "lon", "accuracy_km", "country", "region", "city", "postal", "time_zone",
/// "precision"}; unknown fields are null; precision is "country", "region" or "city".
void write_location(JsonWriter& w, const Location& location);

/// The IANA time zone of an answer (the `"time_zone"` member of decide and locate answers): the
/// town's (Place::time_zone), else the IP record's (`location` may be null); empty when neither
/// is known.
[[nodiscard]] std::string_view answer_time_zone(const PlaceChain& chain, const Location* location) noexcept;

/// The `"level":{"id":…,"name":…}` member of every place of an index, escaped once, so that an
/// answer copies them instead of escaping names per request.
class PlacesJson {
 public:
  explicit PlacesJson(const PlaceIndex& index);

  /// {"country": {"id", "name"}, "region": {...}, ...}; levels without a place are absent.
  /// Never allocates once the writer's buffer has grown.
  void write(JsonWriter& w, const PlaceChain& chain) const;

  /// The member text of one place of the index this was built from.
  [[nodiscard]] std::string_view of(const Place& place) const noexcept {
    const auto i = static_cast<std::size_t>(&place - base_);
    return std::string_view(text_).substr(starts_[i], starts_[i + 1] - starts_[i]);
  }

 private:
  const Place* base_;
  std::string text_;
  std::vector<std::size_t> starts_;
};

}  // namespace geotarget
