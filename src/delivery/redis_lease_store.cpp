#include "redis_lease_store.hpp"

#include "geotarget/error.hpp"

namespace geotarget::detail {

std::unique_ptr<LeaseStore> connect_redis_lease_store(const std::string& host, std::uint16_t port) {
  throw Error("redis://" + host + ":" + std::to_string(port) + ": Redis ledger not built", ErrorCode::invalid_option);
}

}  // namespace geotarget::detail
