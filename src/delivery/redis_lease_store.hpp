// Internal: the Redis lease store behind open_ledger("redis://HOST:PORT").
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "geotarget/budget_ledger.hpp"

namespace geotarget::detail {

/// A LeaseStore over the Redis server at host:port. Never blocks a request: the leased ledger
/// calls it from its own thread only. Throws geotarget::Error naming the address when the
/// store cannot be set up at all (an unreachable server is not an error: the store reconnects).
std::unique_ptr<LeaseStore> connect_redis_lease_store(const std::string& host, std::uint16_t port);

}  // namespace geotarget::detail
