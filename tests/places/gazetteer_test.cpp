// The gazetteer on the default pack: each case a table of address -> expected match. Town ids
// are GeoNames ids (GN-<geonameid>) as listed in its cities1000 file.
#include <catch2/catch.hpp>

#include "geotarget/gazetteer.hpp"
#include "test_support.hpp"
#include "text_normalize.hpp"

using namespace geotarget;

namespace {

const Gazetteer& gazetteer() {
  static Gazetteer g(PlaceIndex::load(test::source_path("geodata/default.yaml").string()));
  return g;
}

struct Expect {
  AddressQuery query;
  MatchLevel level;
  const char* place;  // id of the deciding place
  double min_confidence, max_confidence;
};

void check_table(const std::vector<Expect>& table) {
  for (const Expect& e : table) {
    INFO("address '" << e.query.address << "' city '" << e.query.city << "' state '" << e.query.state
                     << "' zip '" << e.query.postal << "' country '" << e.query.country << "'");
    AddressMatch m = gazetteer().match(e.query);
    CHECK(describe(m.level) == describe(e.level));
    CHECK(std::string(m.place ? m.place->id : "") == e.place);
    CHECK(m.confidence >= e.min_confidence);
    CHECK(m.confidence <= e.max_confidence);
  }
}

AddressQuery line(const char* address) { return AddressQuery{address, "", "", "", "", ""}; }
AddressQuery fields(const char* city, const char* state, const char* zip = "", const char* country = "") {
  return AddressQuery{"", "", city, state, zip, country};
}

}  // namespace

TEST_CASE("normalisation folds case, accents, punctuation and place-name abbreviations") {
  using detail::normalize_place_name;
  using detail::normalize_text;
  CHECK(normalize_text("  Cañon   City ") == "canon city");
  CHECK(normalize_text("SÃO PAULO") == "sao paulo");
  CHECK(normalize_text("Straße") == "strasse");
  CHECK(normalize_text("O'Fallon") == "ofallon");
  CHECK(normalize_text("Winston-Salem") == "winston salem");
  CHECK(normalize_place_name("St. Louis") == "saint louis");
  CHECK(normalize_place_name("Ft Worth") == "fort worth");
  CHECK(normalize_place_name("Mt. Vernon") == "mount vernon");
  CHECK(normalize_place_name("Ste. Genevieve") == "sainte genevieve");
  CHECK(normalize_place_name("Stockton") == "stockton");  // only whole words
}

TEST_CASE("edit distance counts one transposition as one typo, and stops at the limit") {
  CHECK(detail::edit_distance("springfield", "springfeild", 2) == 1);
  CHECK(detail::edit_distance("chicago", "chicgo", 2) == 1);
  CHECK(detail::edit_distance("chicago", "chcgo", 2) == 2);
  CHECK(detail::edit_distance("boston", "denver", 2) == 3);
  CHECK(detail::typo_budget(4) == 0);
  CHECK(detail::typo_budget(8) == 1);
  CHECK(detail::typo_budget(9) == 2);
}

TEST_CASE("postal codes decide first, in every spelling") {
  check_table({
      {fields("", "", "62701"), MatchLevel::postal, "US-ZIP-62701", 0.85, 0.95},
      {fields("", "", "62701-1234"), MatchLevel::postal, "US-ZIP-62701", 0.85, 0.95},
      {fields("", "", "627011234"), MatchLevel::postal, "US-ZIP-62701", 0.85, 0.95},
      {fields("", "", "2134"), MatchLevel::postal, "US-ZIP-02134", 0.85, 0.95},   // lost its zero
      {fields("Springfield", "IL", "62701"), MatchLevel::postal, "US-ZIP-62701", 0.97, 1},
      {fields("Nowhere", "IL", "62701"), MatchLevel::postal, "US-ZIP-62701", 0.8, 0.9},
      {fields("Chicago", "CA", "60602"), MatchLevel::postal, "US-ZIP-60602", 0.5, 0.7},  // state conflicts
      {line("123 Main St, Springfield, IL 62701"), MatchLevel::postal, "US-ZIP-62701", 0.97, 1},
      {line("45 oak ave apt 3, canon city co 81212-1234"), MatchLevel::postal, "US-ZIP-81212", 0.97, 1},
      {line("1 Beacon St, Boston MA 2134"), MatchLevel::postal, "US-ZIP-02134", 0.85, 1},
  });
}

TEST_CASE("towns: within their region, accents and abbreviations, typos at lower confidence") {
  check_table({
      {fields("Cañon City", "CO"), MatchLevel::town, "GN-5416005", 0.85, 0.95},
      {fields("canon city", "colorado"), MatchLevel::town, "GN-5416005", 0.85, 0.95},
      {fields("St. Louis", "MO"), MatchLevel::town, "GN-4407066", 0.85, 0.95},
      {fields("Saint Louis", "Missouri"), MatchLevel::town, "GN-4407066", 0.85, 0.95},
      {fields("Ft Worth", "TX"), MatchLevel::town, "GN-4691930", 0.85, 0.95},
      {fields("Springfeild", "IL"), MatchLevel::town, "GN-4250542", 0.7, 0.8},  // one typo
      {fields("Sprngfeild", "IL"), MatchLevel::town, "GN-4250542", 0.6, 0.7},   // two
      {line("45 oak ave apt 3 Cañon City CO"), MatchLevel::town, "GN-5416005", 0.85, 0.95},
      {fields("Paris", "", "", "France"), MatchLevel::town, "GN-2988507", 0.5, 0.8},
  });
}

TEST_CASE("ambiguous town names are not guessed: what the candidates share, at low confidence") {
  check_table({
      {fields("Springfield", ""), MatchLevel::country, "US", 0, 0.35},
      {fields("Springfield", "MA"), MatchLevel::town, "GN-4951788", 0.85, 0.95},
      {fields("Springfield", "", "01103"), MatchLevel::postal, "US-ZIP-01103", 0.9, 1},
  });
}

TEST_CASE("regions and countries when nothing finer is known, nothing when nothing is") {
  check_table({
      {fields("", "New York"), MatchLevel::region, "US-NY", 0.45, 0.55},
      {fields("", "ny"), MatchLevel::region, "US-NY", 0.45, 0.55},
      {fields("", "", "", "France"), MatchLevel::country, "FR", 0.25, 0.35},
      {fields("", "", "", "USA"), MatchLevel::country, "US", 0.25, 0.35},
      {fields("Qwzxv", ""), MatchLevel::none, "", 0, 0},
      {fields("", ""), MatchLevel::none, "", 0, 0},
      {fields("", "", "99999"), MatchLevel::none, "", 0, 0},
  });
}

// Towns abroad by their native and alternate names, in any script, in the forms "town",
// "town, region", "town, country" and "town, region, country". Ids are GeoNames ids as on
// geonames.org (Tel Aviv 293397, Tbilisi 611717, Munich 2867714, Cologne 2886242, Vienna
// 2761369, Rome 3169070, Mexico City 3530597, Osaka 1853909, Tokyo 1850147, New York City
// 5128581).
TEST_CASE("towns worldwide by native names in any script, with or without region and country") {
  check_table({
      {line("תל אביב"), MatchLevel::town, "GN-293397", 0.55, 0.8},                // Hebrew
      {fields("תל אביב", "", "", "ישראל"), MatchLevel::town, "GN-293397", 0.7, 0.8},
      {line("Tel Aviv, Israel"), MatchLevel::town, "GN-293397", 0.7, 0.95},
      {line("თბილისი, საქართველო"), MatchLevel::town, "GN-611717", 0.7, 0.8},     // Georgian
      {line("Tbilisi, Georgia"), MatchLevel::town, "GN-611717", 0.7, 0.8},  // Georgia the country
      {line("München, Bayern"), MatchLevel::town, "GN-2867714", 0.85, 0.95},     // German
      {line("München, Bayern, Deutschland"), MatchLevel::town, "GN-2867714", 0.85, 0.95},
      {line("Köln, Deutschland"), MatchLevel::town, "GN-2886242", 0.7, 0.8},
      {line("Wien, Österreich"), MatchLevel::town, "GN-2761369", 0.85, 0.95},  // Wien is its Land too
      {line("Roma, Italia"), MatchLevel::town, "GN-3169070", 0.7, 0.8},
      {line("Ciudad de México, México"), MatchLevel::town, "GN-3530597", 0.7, 0.8},  // Spanish
      {fields("Ciudad de México", "", "", "MX"), MatchLevel::town, "GN-3530597", 0.7, 0.8},
      {line("大阪, 日本"), MatchLevel::town, "GN-1853909", 0.7, 0.8},                  // Japanese
      {fields("東京", "", "", "日本"), MatchLevel::town, "GN-1850147", 0.7, 0.8},
      {line("NYC"), MatchLevel::town, "GN-5128581", 0.7, 0.8},
      {line("Toronto, ON, Canada"), MatchLevel::town, "GN-6167865", 0.85, 0.95},  // ON: Canada's code
      {line("New York, NY"), MatchLevel::town, "GN-5128581", 0.85, 0.95},
  });
}

TEST_CASE("regions abroad by ISO code or name within their country, countries in their own language") {
  check_table({
      {fields("", "Bayern", "", "Deutschland"), MatchLevel::region, "DE-BY", 0.45, 0.55},
      {fields("", "BY", "", "DE"), MatchLevel::region, "DE-BY", 0.45, 0.55},
      {fields("", "ON", "", "Canada"), MatchLevel::region, "CA-ON", 0.45, 0.55},
      {fields("", "Île-de-France", "", "France"), MatchLevel::region, "FR-IDF", 0.45, 0.55},
      {fields("", "", "", "საქართველო"), MatchLevel::country, "GE", 0.25, 0.35},
      {fields("", "", "", "ישראל"), MatchLevel::country, "IL", 0.25, 0.35},
      {fields("", "", "", "DEU"), MatchLevel::country, "DE", 0.25, 0.35},
      // A foreign postal code with no postal data: the town decides.
      {fields("Paris", "", "75004", "France"), MatchLevel::town, "GN-2988507", 0.7, 0.8},
  });
}

TEST_CASE("a match says why evidence was set aside: a postal code without data or unknown, an ambiguous town") {
  struct Row {
    AddressQuery query;
    const char* place;  // what decided instead
    std::string_view reason;
  };
  const Row rows[] = {
      // Munich's Marienplatz (postcode 80331), the code before the town as Germans write it.
      {line("Marienplatz 8, 80331 München, Deutschland"), "GN-2867714", kPostalNoData},
      {fields("Köln", "", "50667", "DE"), "GN-2886242", kPostalNoData},
      {line("Rue de Rivoli 1, 75001 Paris, France"), "GN-2988507", kPostalNoData},
      {line("Rustaveli Ave 8, 0108 Tbilisi, Georgia"), "GN-611717", kPostalNoData},  // Georgia the country
      {fields("", "", "10115", "Germany"), "DE", kPostalNoData},  // Berlin-Mitte's code alone: the country
      {fields("", "Bayern", "80331", "DE"), "DE-BY", kPostalNoData},
      {fields("Springfield", "IL", "00000"), "GN-4250542", kPostalUnknown},  // no such ZIP
      {line("260 Broadway, New York, NY 10007"), "US-ZIP-10007", ""},  // the ZIP decided (City Hall)
      {line("Tbilisi, Georgia"), "GN-611717", ""},  // no postal code given
      // Springfield is a town in some 30 states (MA, IL, MO, OH, ...): the country they share.
      {fields("Springfield", ""), "US", kTownAmbiguous},
      {fields("Springfield", "", "99999"), "US", kPostalUnknown},  // the postal code says more
  };
  for (const Row& r : rows) {
    INFO("address '" << r.query.address << "' city '" << r.query.city << "' zip '" << r.query.postal << "'");
    const AddressMatch m = gazetteer().match(r.query);
    CHECK(std::string(m.place ? m.place->id : "") == r.place);
    CHECK(m.reason == r.reason);
  }
}

// Sections of towns (GeoNames PPLX, cities1000): Financial District GN-8436473 and Harlem
// GN-5120034 of New York City (GN-5128581); two Chinatowns in California, of San Francisco
// (GN-5336477) and of Oakland (GN-5336475); none of these names is a town of its state.
TEST_CASE("a section's name finds its town within the state, never a town on its own") {
  check_table({
      {line("Financial District, New York"), MatchLevel::town, "GN-5128581", 0.9, 0.9},
      {fields("Harlem", "NY"), MatchLevel::town, "GN-5128581", 0.9, 0.9},
      {line("Chinatown, CA"), MatchLevel::region, "US-CA", 0.5, 0.5},  // two towns' Chinatowns
      {line("Financial District"), MatchLevel::none, "", 0, 0},        // no state: no guess
  });
  const AddressMatch m = gazetteer().match(line("Harlem, NY 10027"));  // the ZIP decides, as before
  CHECK(describe(m.level) == "postal");
  const AddressMatch h = gazetteer().match(fields("Harlem", "New York"));
  REQUIRE(h.neighbourhood);
  CHECK(h.neighbourhood->id == "GN-5120034");
  CHECK(h.neighbourhood->parent == static_cast<std::uint32_t>(h.place - gazetteer().places().places().data()));
  CHECK(h.point.lat == 40.80788);  // the section's point: where the address is
  CHECK(gazetteer().match(fields("New York", "NY")).neighbourhood == nullptr);
}

// ISO 3166-2:US lists Puerto Rico, the US Virgin Islands, Guam, American Samoa and the Northern
// Mariana Islands as outlying areas (US-PR, US-VI, US-GU, US-AS, US-MP) that also have country
// codes of their own; the pack places them in the US (Census). Christiansted's ZIP is 00820 (St.
// Croix); Hagåtña's 96910; Saint Croix is GeoNames 4796512, San Juan 4568127. "Islands" is also
// the name of Hong Kong's Islands District (HK-X18), which a word of a longer name must not find.
TEST_CASE("US outlying areas by their own country names, names of four words and more, no region from a stray word") {
  check_table({
      {line("12 King St, Christiansted, St. Croix, United States Virgin Islands 00820"), MatchLevel::postal,
       "US-ZIP-00820", 0.85, 1},
      {line("Christiansted, United States Virgin Islands"), MatchLevel::region, "US-VI", 0.5, 0.5},
      {line("Christiansted, U.S. Virgin Islands"), MatchLevel::region, "US-VI", 0.5, 0.5},
      {line("Saint Croix, U.S. Virgin Islands"), MatchLevel::town, "GN-4796512", 0.9, 0.9},
      {fields("San Juan", "", "", "Puerto Rico"), MatchLevel::town, "GN-4568127", 0.9, 0.9},
      {fields("", "", "96910", "Guam"), MatchLevel::postal, "US-ZIP-96910", 0.9, 1},
      {line("Christiansted, Virgin Islands"), MatchLevel::none, "", 0, 0},
      {line("Islands, Hong Kong"), MatchLevel::region, "HK-X18", 0.5, 0.5},
  });
  const AddressMatch guam = gazetteer().match(fields("", "", "96910", "Guam"));
  CHECK(guam.reason.empty());  // US ZIPs ship: the postal code decided
}
