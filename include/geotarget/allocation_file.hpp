// geotarget: the allocation file, OUT.json of `geotarget allocate` (with OUT.csv beside it), the
// one model that the allocator writes and the report reads.
//
//   auto index = geotarget::PlaceIndex::load("geodata/default.yaml");
//   geotarget::CampaignSet set = geotarget::load_campaigns("campaigns.yaml", index.get());
//   geotarget::AllocationFile a = geotarget::allocate_customers(set, "mapped.csv", *index);
//   a.geodata = "/abs/geodata/default.yaml";
//   geotarget::write_allocation_file(a, "out.json");   // out.json and out.csv
//   geotarget::AllocationFile back = geotarget::read_allocation_file("out.json");
//
// The JSON format is in docs/formats.md. Reading validates it: malformed JSON, a missing or
// mistyped field, an unknown level or binding, or area budgets that do not add up to
// budget_cents - unspent_cents throw geotarget::Error naming the file and the field's path, e.g.
// "out.json: campaigns[0].areas[3].budget_cents: missing". Writing goes to a temporary file
// beside the target, renamed over it only when complete.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <string>
#include <vector>

#include "geotarget/allocator.hpp"
#include "geotarget/campaigns.hpp"
#include "geotarget/place_index.hpp"

namespace geotarget {

struct AllocationFile {
  std::string currency = "USD";
  std::string geodata;       ///< the manifest the area ids refer to; empty when none is named
  std::string generated_by;  ///< "geotarget allocate", or whoever wrote it
  std::vector<CampaignAllocation> campaigns;
};

/// Counts, for every campaign of `campaigns`, the customers of `mapped_csv` (the output of
/// geotarget map) it targets per area at its level, and allocates its budget over them
/// (allocate_budget). `geodata` and `generated_by` are left for the caller. Throws
/// geotarget::Error when the file cannot be read, lacks the geo_ columns, or a campaign is
/// infeasible.
AllocationFile allocate_customers(const CampaignSet& campaigns, const std::string& mapped_csv,
                                  const PlaceIndex& index);

/// Reads and validates an allocation JSON file. Throws geotarget::Error naming the file and field.
AllocationFile read_allocation_file(const std::string& path);

/// Writes `json_path` and, beside it, allocation_csv_path(json_path): one row per campaign ×
/// area, every text field quoted where CSV needs it. Throws geotarget::Error when either cannot
/// be written, or when the two paths are the same file.
void write_allocation_file(const AllocationFile& allocation, const std::string& json_path);

/// The CSV written beside an allocation JSON: "out.json" -> "out.csv".
[[nodiscard]] std::string allocation_csv_path(const std::string& json_path);

}  // namespace geotarget
