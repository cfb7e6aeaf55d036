#include <charconv>
#include <cstdlib>

#include "embedded_ledger.hpp"
#include "geotarget/error.hpp"
#include "leased_ledger.hpp"
#include "redis_lease_store.hpp"

namespace geotarget {

namespace {

constexpr std::string_view kRedisScheme = "redis://";

// "HOST:PORT" of a redis:// address; throws naming the address.
std::pair<std::string, std::uint16_t> redis_endpoint(const std::string& address) {
  std::string_view rest = std::string_view(address).substr(kRedisScheme.size());
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos)  // named without what precedes '@'
    throw Error("redis://<credentials>@" + std::string(rest.substr(at + 1)) +
                    ": a user or password in the ledger address is refused (it would show in process lists, "
                    "logs and config files): set GEOTARGET_REDIS_USER and GEOTARGET_REDIS_PASSWORD",
                ErrorCode::invalid_option);
  const std::size_t colon = rest.rfind(':');
  auto bad = [&](const char* what) { return Error(address + ": " + what + " (redis://HOST:PORT)", ErrorCode::invalid_option); };
  if (colon == std::string_view::npos || colon == 0) throw bad("no host or port");
  std::string_view host = rest.substr(0, colon), port_text = rest.substr(colon + 1);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);  // [::1]
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    throw bad("the port must be a number in 1..65535");
  if (host.empty() || host.find_first_of("/@?#") != std::string_view::npos) throw bad("the host must be a name or an address");
  return {std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace

std::unique_ptr<BudgetLedger> open_ledger(const std::string& address, std::span<const BudgetAccount> accounts,
                                          const LedgerOptions& options) {
  if (options.flush_interval.count() <= 0) throw Error(address + ": the flush interval must be positive", ErrorCode::invalid_option);
  if (!(options.slice_share > 0 && options.slice_share <= 1))
    throw Error(address + ": the slice share must be in (0, 1]", ErrorCode::invalid_option);
  if (address.starts_with(kRedisScheme)) {
    const auto [host, port] = redis_endpoint(address);
    detail::RedisStoreOptions redis;
    if (const char* user = std::getenv("GEOTARGET_REDIS_USER")) redis.user = user;
    if (const char* password = std::getenv("GEOTARGET_REDIS_PASSWORD")) redis.password = password;
    return std::make_unique<detail::LeasedLedger>(detail::connect_redis_lease_store(host, port, redis), accounts, options);
  }
  // A ledger is a local file: no other scheme, no GDAL virtual path.
  if (address.empty() || address.find("://") != std::string::npos || address.starts_with("/vsi"))
    throw Error(address + ": a ledger is a local file path or redis://HOST:PORT", ErrorCode::invalid_option);
  return std::make_unique<detail::EmbeddedLedger>(address, accounts, options);
}

}  // namespace geotarget
