// Internal: the JSON bodies of the service's answers (docs/operations.md has the schema).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "geotarget/decision.hpp"
#include "geotarget/answers_json.hpp"
#include "geotarget/json_writer.hpp"

namespace geotarget::service {

/// [{"id", "offer", "offer_text", "area_id", "priority"}, ...]
void write_campaigns(JsonWriter& w, std::span<const CampaignChoice> chosen);
/// One /v1/decide answer: {"ip": truncated, "found", ["reason"], "location", "places", "campaigns"}.
void write_decision(JsonWriter& w, const IpAddress& ip, const Decision& decision,
                    std::span<const CampaignChoice> chosen, const PlacesJson& places);
/// {"error": code, "detail": detail}; detail names the parameter or field, never a visitor address.
void write_error(std::string& out, std::string_view code, std::string_view detail);

}  // namespace geotarget::service
