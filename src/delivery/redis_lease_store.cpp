#include "redis_lease_store.hpp"

#include <hiredis.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "geotarget/error.hpp"

namespace geotarget::detail {
namespace {

// Lua numbers are doubles: every count stays below 2^50 cents (about 11 trillion in the
// currency), where they are exact.
constexpr std::int64_t kMaxCents = std::int64_t{1} << 50;

// KEYS[1]: the account's hash. ARGV: replica id, cents wanted, the plan, then for each counter
// (leased, spent, conversions): what this replica last had acknowledged for its own field, its
// own value now (absolute), and the account's total as it last learnt it. For each counter c,
// the hash keeps `c:ID` (each replica's own), `c` (their sum) and `c:floor` (the largest total
// any replica has learnt, plus what was new since): the total is max(c, c:floor), which is `c`
// while Redis keeps its data and covers the fields of gone replicas when it lost them.
// Answers {granted, leased, spent, conversions} (totals after the call).
constexpr const char* kSyncScript = R"lua(
local hash, id = KEYS[1], ARGV[1]
local want, plan = tonumber(ARGV[2]), tonumber(ARGV[3])
local function get(field) return tonumber(redis.call('HGET', hash, field) or '0') end
local function put(field, value) redis.call('HSET', hash, field, string.format('%d', value)) end
local total = {}
for i, name in ipairs({'leased', 'spent', 'conversions'}) do
  local acked, now, known = tonumber(ARGV[1 + 3 * i]), tonumber(ARGV[2 + 3 * i]), tonumber(ARGV[3 + 3 * i])
  local own_field, floor_field = name .. ':' .. id, name .. ':floor'
  local own, sum, floor = get(own_field), get(name), get(floor_field)
  local fresh = math.max(now - math.max(own, acked), 0)
  if now > own then
    sum = sum + now - own
    put(own_field, now)
    put(name, sum)
  end
  local raised = math.max(floor, known) + fresh
  if raised > floor then
    floor = raised
    put(floor_field, floor)
  end
  total[name] = math.max(sum, floor)
end
local granted = math.max(math.min(want, plan - total.leased), 0)
if granted > 0 then
  local step = string.format('%d', granted)
  redis.call('HINCRBY', hash, 'leased:' .. id, step)
  redis.call('HINCRBY', hash, 'leased', step)
  redis.call('HINCRBY', hash, 'leased:floor', step)
  total.leased = total.leased + granted
end
if plan > 0 then put('plan', plan) end
return {granted, total.leased, total.spent, total.conversions}
)lua";

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

std::int64_t clamp_cents(std::int64_t cents) { return std::clamp<std::int64_t>(cents, 0, kMaxCents); }

// hostname-pid-random: unique per store, readable by an operator looking at the hash.
std::string make_replica_id() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", random());
  return std::string(host.data()) + "-" + std::to_string(getpid()) + "-" + suffix;
}

// hiredis writes with write(2): a Redis that closed the connection would raise SIGPIPE, which
// kills the process by default. Blocked on this thread for one command, and a SIGPIPE it
// raised is taken off again, so the write fails with EPIPE instead.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlocked() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec now{0, 0};
      sigtimedwait(&pipe_, nullptr, &now);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_{}, old_{};
  bool was_pending_ = false;
};

using ReplyPtr = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

// A command's arguments as hiredis takes them (pointers into `args`, which must outlive it).
struct Argv {
  explicit Argv(const std::vector<std::string>& args) {
    for (const std::string& a : args) {
      values.push_back(a.data());
      lengths.push_back(a.size());
    }
  }
  [[nodiscard]] int count() const { return static_cast<int>(values.size()); }
  std::vector<const char*> values;
  std::vector<std::size_t> lengths;
};

ReplyPtr command(redisContext* context, const std::vector<std::string>& args) {
  Argv argv(args);
  const SigpipeBlocked blocked;
  return ReplyPtr(static_cast<redisReply*>(redisCommandArgv(context, argv.count(), argv.values.data(), argv.lengths.data())),
                  freeReplyObject);
}

// Appends a command to the connection's output buffer (sent by the next read of a reply).
void append(redisContext* context, const std::vector<std::string>& args) {
  Argv argv(args);
  redisAppendCommandArgv(context, argv.count(), argv.values.data(), argv.lengths.data());
}

std::string reply_error(const redisReply& reply) { return std::string(reply.str, reply.len); }

// hiredis reports a socket timeout as strerror(EAGAIN).
std::string connection_error(const redisContext& context, std::chrono::milliseconds timeout) {
  if (context.err == REDIS_ERR_IO && std::string_view(context.errstr) == std::strerror(EAGAIN)) {
    return "no answer within " + std::to_string(timeout.count()) + " ms";
  }
  return context.errstr;
}

// run_id:<40 hex> from INFO server; empty when absent.
std::string run_id_of(std::string_view info) {
  const std::string_view tag = "run_id:";
  const std::size_t at = info.find(tag);
  if (at == std::string_view::npos) return {};
  const std::size_t begin = at + tag.size();
  const std::size_t end = info.find_first_of("\r\n", begin);
  return std::string(info.substr(begin, end - begin));
}

}  // namespace

std::string redis_account_key(std::string_view key) { return "geotarget:ledger:" + std::string(key); }

std::unique_ptr<LeaseStore> connect_redis_lease_store(const std::string& host, std::uint16_t port,
                                                      const RedisStoreOptions& options) {
  return std::make_unique<RedisLeaseStore>(host, port, options);
}

RedisLeaseStore::RedisLeaseStore(std::string host, std::uint16_t port, const RedisStoreOptions& options)
    : host_(std::move(host)),
      port_(port),
      address_("redis://" + (host_.find(':') == std::string::npos ? host_ : "[" + host_ + "]") + ":" +
               std::to_string(port)),
      options_(options),
      replica_id_(make_replica_id()) {
  if (port_ == 0) throw Error(address_ + ": port 0", ErrorCode::invalid_option);
  std::fprintf(stderr, "geotarget ledger: %s, replica %s\n", address_.c_str(), replica_id_.c_str());
  const std::string failure = connect();
  if (!failure.empty()) drop(failure);
}

RedisLeaseStore::~RedisLeaseStore() {
  if (context_ != nullptr) redisFree(context_);
}

std::string RedisLeaseStore::connect() {
  context_ = redisConnectWithTimeout(host_.c_str(), port_, to_timeval(options_.connect_timeout));
  if (context_ == nullptr) return "cannot allocate a connection";
  if (context_->err != 0) return "cannot connect: " + connection_error(*context_, options_.connect_timeout);
  if (redisSetTimeout(context_, to_timeval(options_.command_timeout)) != REDIS_OK) {
    return "cannot set the command timeout";
  }
  redisEnableKeepAlive(context_);
  if (!options_.password.empty()) {
    const ReplyPtr auth = options_.user.empty() ? command(context_, {"AUTH", options_.password})
                                                : command(context_, {"AUTH", options_.user, options_.password});
    if (!auth) return "AUTH: " + connection_error(*context_, options_.command_timeout);
    if (auth->type == REDIS_REPLY_ERROR) return "AUTH refused: " + reply_error(*auth);
  }

  const ReplyPtr info = command(context_, {"INFO", "server"});
  if (!info) return "INFO server: " + connection_error(*context_, options_.command_timeout);
  if (info->type == REDIS_REPLY_ERROR && reply_error(*info).starts_with("NOAUTH"))
    return "the server requires a password (" + reply_error(*info) + "): set GEOTARGET_REDIS_PASSWORD";
  if (info->type == REDIS_REPLY_ERROR) return "INFO server: " + reply_error(*info);
  if (info->type != REDIS_REPLY_STRING) return "INFO server: unexpected answer";
  const std::string run_id = run_id_of({info->str, info->len});
  restarted_ = !run_id_.empty() && run_id != run_id_;
  run_id_ = run_id;

  const ReplyPtr loaded = command(context_, {"SCRIPT", "LOAD", kSyncScript});
  if (!loaded) return "SCRIPT LOAD: " + connection_error(*context_, options_.command_timeout);
  if (loaded->type == REDIS_REPLY_ERROR) return "SCRIPT LOAD: " + reply_error(*loaded);
  if (loaded->type != REDIS_REPLY_STRING) return "SCRIPT LOAD: unexpected answer";
  script_sha_.assign(loaded->str, loaded->len);
  return {};
}

void RedisLeaseStore::drop(const std::string& reason) {
  if (!down_) {
    std::fprintf(stderr, "geotarget ledger: %s: %s; spending only the slices held, retrying every %lld ms\n",
                 address_.c_str(), reason.c_str(), static_cast<long long>(options_.retry_interval.count()));
  }
  down_ = true;
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
  retry_at_ = std::chrono::steady_clock::now() + options_.retry_interval;
}

bool RedisLeaseStore::ensure_connected() {
  if (context_ != nullptr) return true;
  if (std::chrono::steady_clock::now() < retry_at_) return false;
  const std::string failure = connect();
  if (!failure.empty()) {
    drop(failure);
    return false;
  }
  std::fprintf(stderr, "geotarget ledger: %s: connected again\n", address_.c_str());
  down_ = false;
  if (restarted_) refill_after_restart();
  return context_ != nullptr;
}

// Redis came back without this replica's fields (a restart without persistence loses them):
// every account is filled in again at once, and nothing is leased during the grace period, in
// which the other replicas do the same.
void RedisLeaseStore::refill_after_restart() {
  std::fprintf(stderr, "geotarget ledger: %s restarted: accounts filled in again, no leases for %lld ms\n",
               address_.c_str(), static_cast<long long>(options_.restart_grace.count()));
  grace_until_ = std::chrono::steady_clock::now() + options_.restart_grace;
  for (auto& [key, account] : accounts_) {
    if (!sync(key, account, Account(account), 0, 0)) return;
  }
}

std::vector<std::string> RedisLeaseStore::script_args(const std::string& hash, const Account& sent,
                                                      std::int64_t want_cents, std::int64_t plan_cents) const {
  std::vector<std::string> args = {"EVALSHA", script_sha_, "1", hash, replica_id_,
                                   std::to_string(want_cents), std::to_string(plan_cents)};
  for (const Counter* c : {&sent.leased, &sent.spent, &sent.conversions}) {
    for (const std::int64_t value : {c->acked, c->now, c->known}) args.push_back(std::to_string(value));
  }
  return args;
}

std::optional<RedisLeaseStore::Answer> RedisLeaseStore::parse_answer(const redisReply* reply) {
  if (reply == nullptr) {
    drop(connection_error(*context_, options_.command_timeout));
    return std::nullopt;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    drop("the ledger script failed: " + reply_error(*reply));
    return std::nullopt;
  }
  std::array<std::int64_t, 4> values{};
  bool shaped = reply->type == REDIS_REPLY_ARRAY && reply->elements == values.size();
  for (std::size_t i = 0; shaped && i < values.size(); ++i) {
    shaped = reply->element[i]->type == REDIS_REPLY_INTEGER;
    if (shaped) values[i] = reply->element[i]->integer;
  }
  if (!shaped) {
    drop("the ledger script answered something unexpected");
    return std::nullopt;
  }
  return Answer{values[0], values[1], AccountSpend{values[2], values[3]}};
}

std::optional<RedisLeaseStore::Answer> RedisLeaseStore::run_script(const std::string& hash, const Account& sent,
                                                                   std::int64_t want_cents,
                                                                   std::int64_t plan_cents) {
  std::vector<std::string> args = script_args(hash, sent, want_cents, plan_cents);
  ReplyPtr reply = command(context_, args);
  if (reply && reply->type == REDIS_REPLY_ERROR && reply_error(*reply).starts_with("NOSCRIPT")) {
    args[0] = "EVAL";
    args[1] = kSyncScript;
    reply = command(context_, args);
  }
  return parse_answer(reply.get());
}

void RedisLeaseStore::acknowledge(Account& account, const Account& sent, const Answer& answer) {
  account = sent;
  account.leased.now += answer.granted;
  for (Counter* c : {&account.leased, &account.spent, &account.conversions}) c->acked = c->now;
  account.leased.known = answer.leased;
  account.spent.known = answer.totals.spent_cents;
  account.conversions.known = answer.totals.conversions;
}

std::optional<RedisLeaseStore::Answer> RedisLeaseStore::sync(std::string_view key, Account& account,
                                                             const Account& sent, std::int64_t want_cents,
                                                             std::int64_t plan_cents) {
  if (!ensure_connected()) return std::nullopt;
  if (std::chrono::steady_clock::now() < grace_until_) want_cents = 0;
  const auto answer = run_script(redis_account_key(key), sent, want_cents, plan_cents);
  if (answer) acknowledge(account, sent, *answer);
  return answer;
}

// Each chunk: every account's script appended to hiredis's output buffer, then the answers read
// in order (the first read sends the buffer). An account whose script was not loaded (NOSCRIPT:
// Redis restarted between chunks) is run again on its own, with EVAL.
std::vector<std::optional<LeaseAnswer>> RedisLeaseStore::exchange(std::span<const LeaseExchange> batch) {
  constexpr std::size_t kChunk = 1000;
  const std::lock_guard lock(mutex_);
  std::vector<std::optional<LeaseAnswer>> answers(batch.size());
  for (std::size_t from = 0; from < batch.size(); from += kChunk) {
    if (!ensure_connected()) return answers;
    const bool grace = std::chrono::steady_clock::now() < grace_until_;
    const std::size_t to = std::min(batch.size(), from + kChunk);
    std::vector<std::pair<Account*, Account>> sent;
    const SigpipeBlocked blocked;
    for (std::size_t i = from; i < to; ++i) {
      const LeaseExchange& e = batch[i];
      Account& account = accounts_[std::string(e.key)];
      Account next = account;
      next.spent.now = clamp_cents(next.spent.now + clamp_cents(e.spent_cents));
      next.conversions.now = clamp_cents(next.conversions.now + clamp_cents(e.conversions));
      const std::vector<std::string> args =
          script_args(redis_account_key(e.key), next, grace ? 0 : clamp_cents(e.want_cents), clamp_cents(e.plan_cents));
      append(context_, args);
      sent.emplace_back(&account, next);
    }
    std::vector<std::size_t> unloaded;
    for (std::size_t i = from; i < to; ++i) {
      void* raw = nullptr;
      if (redisGetReply(context_, &raw) != REDIS_OK) raw = nullptr;
      const ReplyPtr reply(static_cast<redisReply*>(raw), freeReplyObject);
      if (reply && reply->type == REDIS_REPLY_ERROR && reply_error(*reply).starts_with("NOSCRIPT")) {
        unloaded.push_back(i);  // run once every answer of the chunk is read
        continue;
      }
      const std::optional<Answer> answer = parse_answer(reply.get());
      if (!answer) return answers;  // dropped: the rest of the chunk is unanswered
      acknowledge(*sent[i - from].first, sent[i - from].second, *answer);
      answers[i] = LeaseAnswer{answer->granted, answer->totals};
    }
    for (const std::size_t i : unloaded) {
      const LeaseExchange& e = batch[i];
      auto& [account, next] = sent[i - from];
      const auto answer = run_script(redis_account_key(e.key), next, grace ? 0 : clamp_cents(e.want_cents),
                                     clamp_cents(e.plan_cents));
      if (!answer) return answers;
      acknowledge(*account, next, *answer);
      answers[i] = LeaseAnswer{answer->granted, answer->totals};
    }
  }
  return answers;
}

}  // namespace geotarget::detail
