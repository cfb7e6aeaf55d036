// The allocation the report tests read: two campaigns over ids of the default geodata pack,
// with areas at every level, every binding, and areas below min_audience both merged and (as
// an allocator must not leave them, but a report must still hide them) left in place.
#pragma once

#include <string>

namespace geotarget::test {

/// Ids and names of the areas below their campaign's min_audience: never shown on their own.
inline const char* const kHiddenAreas[] = {"US-06081", "San Mateo", "US-06041", "Marin",
                                           "US-32031", "Washoe",    "US-36047", "Kings"};

// spring-gold: min_audience 50, budget 600000 = 590000 allocated + 10000 unspent; hidden:
// San Mateo (12, merged), Marin (30, merged into Washoe), Washoe (40, 7000 cents, left in place:
// a merge target that is itself hidden; Sonoma, shown, merges into it too).
// win-back: min_audience 100, budget 301000, nothing unspent; hidden: Kings (99, 1000 cents).
inline std::string allocation_fixture(const std::string& geodata) {
  return R"({"currency": "USD", "geodata": ")" + geodata + R"(", "generated_by": "report tests",
 "campaigns": [
  {"id": "spring-gold", "name": "Spring offer for gold members", "method": "optimal", "level": "district",
   "budget_cents": 600000, "unspent_cents": 10000, "lambda": 1.25, "min_audience": 50,
   "areas": [
    {"area_id": "US-06075", "level": "district", "name": "San Francisco", "audience": 1234, "budget_cents": 250000,
     "offer": "gold-10", "expected_response": 3456.7, "marginal_return": 1.25, "binding": "none", "merged_into": null, "reason": null},
    {"area_id": "US-06001", "level": "district", "name": "Alameda", "audience": 800, "budget_cents": 150000,
     "offer": "gold-10", "expected_response": 2100, "marginal_return": 1.1, "binding": "min", "merged_into": null, "reason": null},
    {"area_id": "US-06085", "level": "district", "name": "Santa Clara", "audience": 600, "budget_cents": 100000,
     "offer": "gold-10", "expected_response": 1500.5, "marginal_return": 1.4, "binding": "max", "merged_into": null, "reason": null},
    {"area_id": "US-06081", "level": "district", "name": "San Mateo", "audience": 12, "budget_cents": 0,
     "offer": null, "expected_response": 0, "marginal_return": 0, "binding": "merged", "merged_into": "US-CA",
     "reason": "audience 12 below min_audience 50"},
    {"area_id": "US-06041", "level": "district", "name": "Marin", "audience": 30, "budget_cents": 0,
     "offer": null, "expected_response": 0, "marginal_return": 0, "binding": "merged", "merged_into": "US-32031",
     "reason": "audience 30 below min_audience 50"},
    {"area_id": "US-06013", "level": "district", "name": "Contra Costa", "audience": 200, "budget_cents": 0,
     "offer": null, "expected_response": 0, "marginal_return": 0, "binding": "excluded", "merged_into": null, "reason": "excluded by the campaign"},
    {"area_id": "US-06097", "level": "district", "name": "Sonoma", "audience": 400, "budget_cents": 0,
     "offer": null, "expected_response": 0, "marginal_return": 0, "binding": "merged", "merged_into": "US-32031",
     "reason": "expected gain 180.00 below fixed cost 250.00"},
    {"area_id": "US-CA", "level": "region", "name": "California", "audience": 530, "budget_cents": 50000,
     "offer": "gold-10", "expected_response": 700, "marginal_return": 1.25, "binding": "none", "merged_into": null, "reason": null},
    {"area_id": "US-32031", "level": "district", "name": "Washoe", "audience": 40, "budget_cents": 7000,
     "offer": "gold-10", "expected_response": 90, "marginal_return": 1.25, "binding": "none", "merged_into": null, "reason": null},
    {"area_id": "GN-5393611", "level": "town", "name": "Sausalito", "audience": 90, "budget_cents": 20000,
     "offer": "gold-10", "expected_response": 260, "marginal_return": 1.25, "binding": "none", "merged_into": null, "reason": null},
    {"area_id": "US-ZIP-94103", "level": "postal", "name": "94103", "audience": 70, "budget_cents": 13000,
     "offer": "gold-10", "expected_response": 170, "marginal_return": 1.25, "binding": "none", "merged_into": null, "reason": null}
   ]},
  {"id": "win-back", "name": "We miss you", "method": "proportional", "level": "district",
   "budget_cents": 301000, "unspent_cents": 0, "lambda": 0, "min_audience": 100,
   "areas": [
    {"area_id": "US-36061", "level": "district", "name": "New York", "audience": 500, "budget_cents": 300000,
     "offer": "winback-20", "expected_response": 5000, "marginal_return": 0.9, "binding": "none", "merged_into": null, "reason": null},
    {"area_id": "US-36047", "level": "district", "name": "Kings", "audience": 99, "budget_cents": 1000,
     "offer": "winback-20", "expected_response": 10, "marginal_return": 0.9, "binding": "none", "merged_into": null, "reason": null},
    {"area_id": "GN-5125771", "level": "town", "name": "Manhattan", "audience": 150, "budget_cents": 0,
     "offer": null, "expected_response": 0, "marginal_return": 0, "binding": "excluded", "merged_into": null, "reason": null}
   ]}
 ]})";
}

}  // namespace geotarget::test
