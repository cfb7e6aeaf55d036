// geotarget: replaying synthetic traffic through the decision path and the ledgers, on a
// simulated clock, to see how pacing delivers an allocation (`geotarget simulate`).
//
//   geotarget::SimulationOptions o;
//   o.campaigns = "campaigns.yaml"; o.allocation = "alloc.json"; o.replicas = 4;
//   o.ip_databases = {"city.mmdb"}; o.geodata = "geodata/default.yaml";
//   geotarget::SimulationResult r = geotarget::simulate_delivery(o);
//   std::string json; geotarget::write_simulation_json(r, json);
//
// Visitors arrive per budget account (campaign area) in proportion to the area's audience,
// following the daily profile in the area's local time, as a Poisson process per clock step;
// each gets a random IPv4 address from the database's networks that decide into that area, and
// goes through DecisionTable::decide, choose (segments unchecked, as for an unknown visitor)
// and Delivery::spend of one replica drawn at random. Every replica has its own Delivery and
// leased ledger over one in-memory lease store; ledgers tick every flush interval and pacing
// updates every pacing interval of simulated time. Nothing sleeps.
//
// The traffic is scaled so that the least-visited account would spend `traffic` times its plan
// over the window if nothing held it back. An area has enough traffic (is judged against the
// +-5% goal) when that unpaced demand is at least 1.25 times its plan and its plan is at least
// 200 decisions; see docs/architecture.md D36.
//
// Thread-safety: a pure function (one thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "geotarget/budget_ledger.hpp"
#include "geotarget/delivery.hpp"

namespace geotarget {

struct SimulationOptions {
  std::string campaigns, allocation;      ///< required
  std::vector<std::string> ip_databases;  ///< required
  std::string geodata;                    ///< required
  int replicas = 1;                       ///< DEFAULT 1, at most 64
  /// Days simulated from the first campaign's start. DEFAULT 0: to the last campaign's end.
  int days = 0;
  /// Unpaced demand of the least-visited account over the window, in multiples of its plan.
  /// DEFAULT 2.
  double traffic = 2;
  std::uint64_t seed = 1;                           ///< DEFAULT 1
  std::chrono::seconds step{5};                     ///< simulated clock step. DEFAULT 5 s
  std::uint64_t max_decisions = 50'000'000;         ///< above: an error, not a long run. DEFAULT 50 M
  LedgerOptions ledger{.flush_interval = std::chrono::seconds{5}};  ///< DEFAULT flush every 5 s
  DeliveryOptions delivery;
};

struct SimulatedArea {
  std::string area_id, time_zone;
  std::int64_t planned_cents = 0, spent_cents = 0;
  std::int64_t demand_cents = 0;  ///< what the area would have spent unpaced and unlimited
  bool enough_traffic = false;
  /// The largest gap, at the end of any simulated hour, between the spend (as the lease store
  /// has it) and the campaign's target curve, as a share of the plan: 0.03 is 3% off the curve.
  double max_pace_error = 0;
};

struct SimulatedCampaign {
  std::string id;
  std::int64_t planned_cents = 0, spent_cents = 0;
  std::int64_t max_overspend_cents = 0;  ///< the most, at any step, spent beyond the plan (sum over areas)
  std::int64_t bound_cents = 0;          ///< replicas x the sum of the areas' slices
  std::vector<SimulatedArea> areas;
};

struct SimulationResult {
  int replicas = 1;
  std::string start, end;  ///< the window, ISO dates (end exclusive)
  std::uint64_t decisions = 0;
  std::vector<SimulatedCampaign> campaigns;
};

/// Runs the simulation. Throws geotarget::Error for unreadable inputs, a campaign without dates,
/// an account no network of the database reaches, or more decisions than max_decisions.
SimulationResult simulate_delivery(const SimulationOptions& options);

/// {"replicas", "start", "end", "decisions", "campaigns": [{"id", "planned_cents", "spent_cents",
/// "max_overspend_cents", "bound_cents", "areas": [{"area_id", "time_zone", "planned_cents",
/// "spent_cents", "demand_cents", "enough_traffic", "max_pace_error"}]}]}
void write_simulation_json(const SimulationResult& result, std::string& out);

}  // namespace geotarget
