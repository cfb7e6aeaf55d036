#include "geotarget/batch_mapper.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <thread>
#include <vector>

#include "csv_reader.hpp"
#include "file_output.hpp"
#include "geotarget/error.hpp"
#include "map_output.hpp"
#include "text.hpp"

namespace geotarget {

using namespace detail;  // the CSV reader, the map output

namespace {

// ------------------------------------------------------------------ columns

// The column named `wanted` (given by a flag) or, if that is empty, the first of `usual`.
int find_column(const std::vector<std::string>& header, const std::string& wanted,
                std::initializer_list<std::string_view> usual, const std::string& input) {
  if (!wanted.empty()) {
    auto it = std::find(header.begin(), header.end(), ascii_lower(wanted));
    if (it == header.end()) throw Error(input + ":1: no column '" + wanted + "'");
    return static_cast<int>(it - header.begin());
  }
  for (std::string_view name : usual) {
    auto it = std::find(header.begin(), header.end(), name);
    if (it != header.end()) return static_cast<int>(it - header.begin());
  }
  return -1;
}

MapColumnPlan plan_columns(const std::vector<std::string>& header_row, const MapColumns& c, const std::string& input) {
  std::vector<std::string> header;
  for (const auto& f : header_row) header.push_back(ascii_lower(f));
  MapColumnPlan p;
  p.width = header.size();
  p.lat = find_column(header, c.lat, {"lat", "latitude"}, input);
  p.lon = find_column(header, c.lon, {"lon", "lng", "long", "longitude"}, input);
  p.address = find_column(header, c.address, {"address", "full_address", "address_line"}, input);
  p.street = find_column(header, c.street, {"street", "street_address", "address1"}, input);
  p.city = find_column(header, c.city, {"city", "town"}, input);
  p.state = find_column(header, c.state, {"state", "region", "province"}, input);
  p.postal = find_column(header, c.postal, {"postal_code", "zip", "postcode", "zipcode", "zip_code"}, input);
  p.country = find_column(header, c.country, {"country", "country_code"}, input);
  if ((p.lat < 0) != (p.lon < 0)) throw Error(input + ":1: a latitude column needs a longitude column");
  if (p.lat < 0 && !p.has_address())
    throw Error(input + ":1: no location column (lat/lon, address, city, state, zip or country)");
  return p;
}

// ------------------------------------------------------------------ batches

struct Row {
  std::size_t line = 0;
  std::uint32_t raw_begin = 0, raw_size = 0;
  std::uint32_t first_field = 0, field_count = 0;
  CsvStatus status = CsvStatus::ok;
};

// Offsets inside a batch are 32-bit: its text is at most MapOptions::batch_bytes (<= 1 GiB) plus
// one record twice (raw and fields, each <= CsvOptions::max_record_bytes), far below 4 GiB.
struct Batch {
  std::uint64_t seq = 0;
  std::string text;  // raw rows and their fields, back to back
  std::vector<std::pair<std::uint32_t, std::uint32_t>> fields;  // (offset, size) in text
  std::vector<Row> rows;

  void add(const CsvRecord& r, CsvStatus status) {
    Row row{r.line, static_cast<std::uint32_t>(text.size()), static_cast<std::uint32_t>(r.raw.size()),
            static_cast<std::uint32_t>(fields.size()), static_cast<std::uint32_t>(r.fields.size()), status};
    text += r.raw;
    for (std::string_view f : r.fields) {
      fields.emplace_back(static_cast<std::uint32_t>(text.size()), static_cast<std::uint32_t>(f.size()));
      text += f;
    }
    rows.push_back(row);
  }
  [[nodiscard]] std::string_view field(const Row& r, int column) const {
    if (column < 0 || static_cast<std::uint32_t>(column) >= r.field_count) return {};
    auto [offset, size] = fields[r.first_field + static_cast<std::uint32_t>(column)];
    return std::string_view(text).substr(offset, size);
  }
  [[nodiscard]] std::string_view raw(const Row& r) const {
    return std::string_view(text).substr(r.raw_begin, r.raw_size);
  }
};

// ------------------------------------------------------------------ pipeline

struct Result {
  Batch batch;
  std::vector<MappedRow> geo;     // by row; rows with a reason are rejected
  std::vector<std::string> why;   // by row; empty when mapped
};

// Batches in, results out in input order, at most `capacity` in flight.
class Pipeline {
 public:
  explicit Pipeline(std::size_t capacity) : capacity_(capacity) {}

  void push(Batch b) {
    std::unique_lock lock(m_);
    room_.wait(lock, [&] { return inflight_ < capacity_; });
    ++inflight_;
    todo_.push(std::move(b));
    work_.notify_one();
  }
  void close() {
    std::lock_guard lock(m_);
    closed_ = true;
    work_.notify_all();
    done_.notify_all();
  }
  std::optional<Batch> take() {
    std::unique_lock lock(m_);
    work_.wait(lock, [&] { return !todo_.empty() || closed_; });
    if (todo_.empty()) return std::nullopt;
    Batch b = std::move(todo_.front());
    todo_.pop();
    return b;
  }
  void finish(Result r) {
    std::lock_guard lock(m_);
    ready_.emplace(r.batch.seq, std::move(r));
    done_.notify_all();
  }
  // The next result in input order; nullopt after the last one.
  std::optional<Result> next_in_order() {
    std::unique_lock lock(m_);
    done_.wait(lock, [&] { return ready_.count(next_) || (closed_ && inflight_ == 0); });
    auto it = ready_.find(next_);
    if (it == ready_.end()) return std::nullopt;
    Result r = std::move(it->second);
    ready_.erase(it);
    ++next_;
    --inflight_;
    room_.notify_one();
    return r;
  }

 private:
  std::mutex m_;
  std::condition_variable work_, done_, room_;
  std::queue<Batch> todo_;
  std::map<std::uint64_t, Result> ready_;
  std::size_t capacity_, inflight_ = 0;
  std::uint64_t next_ = 0;
  bool closed_ = false;
};

// The nearest store within the maximum, for rows with a point, when stores are asked for.
void add_nearest_store(const MapOptions& o, MappedRow& row) {
  if (!o.stores || !row.has_point()) return;
  const NearestStore n = o.stores->nearest(row.point, o.store_max_km);
  row.store = n.store;
  row.store_km = n.km;
}

void work(Pipeline& pipe, const CustomerMapper& mapper, const MapOptions& o) {
  const MapColumnPlan& plan = mapper.plan();
  while (std::optional<Batch> b = pipe.take()) {
    Result r{std::move(*b), {}, {}};
    r.geo.resize(r.batch.rows.size());
    r.why.resize(r.batch.rows.size());
    for (std::size_t i = 0; i < r.batch.rows.size(); ++i) {
      const Row& row = r.batch.rows[i];
      if (row.status != CsvStatus::ok) {
        r.why[i] = std::string(describe(row.status));
      } else if (row.field_count != plan.width) {
        r.why[i] = "has " + std::to_string(row.field_count) + " fields, the header has " + std::to_string(plan.width);
      } else if (!mapper.map(plan.fields([&](int c) { return r.batch.field(row, c); }), r.geo[i], r.why[i])) {
        if (r.why[i].empty()) r.why[i] = "unusable";
      } else {
        add_nearest_store(o, r.geo[i]);
      }
    }
    pipe.finish(std::move(r));
  }
}

class Progress {
 public:
  Progress(std::ostream& out, bool on, std::uint64_t total_bytes)
      : out_(out), on_(on), total_(total_bytes), start_(Clock::now()), last_(start_) {}
  void update(std::size_t rows, std::uint64_t bytes) {
    if (!on_ || Clock::now() - last_ < std::chrono::milliseconds(200)) return;
    last_ = Clock::now();
    double s = std::chrono::duration<double>(last_ - start_).count();
    double pct = total_ ? 100.0 * static_cast<double>(bytes) / static_cast<double>(total_) : 0;
    int bar = static_cast<int>(pct / 5);
    char line[160];
    std::snprintf(line, sizeof line, "\r[%-20s] %5.1f%%  %zu rows  %.0f rows/s ",
                  std::string(static_cast<std::size_t>(std::clamp(bar, 0, 20)), '#').c_str(), pct, rows,
                  s > 0 ? static_cast<double>(rows) / s : 0.0);
    out_ << line << std::flush;
  }
  void done() {
    if (on_) out_ << '\r' << std::string(70, ' ') << '\r' << std::flush;
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::ostream& out_;
  bool on_;
  std::uint64_t total_;
  Clock::time_point start_, last_;
};


// Writes results in input order. After a write error it keeps draining (so the reader never
// blocks) and hands the error back.
std::exception_ptr write_in_order(Pipeline& pipe, MapSink& sink, RejectsWriter& rejects, MapSummary& summary) {
  std::exception_ptr error;
  while (std::optional<Result> r = pipe.next_in_order()) {
    if (error) continue;
    try {
      for (std::size_t i = 0; i < r->batch.rows.size(); ++i) {
        const Row& row = r->batch.rows[i];
        if (!r->why[i].empty()) {
          rejects.add(row.line, r->why[i], r->batch.raw(row));
          ++summary.rejected;
          continue;
        }
        sink.add(r->batch.raw(row), r->geo[i], [&](int c) { return r->batch.field(row, c); });
        ++summary.rows_out;
        ++summary.by_match[static_cast<std::size_t>(r->geo[i].level)];
      }
    } catch (...) {
      error = std::current_exception();
    }
  }
  return error;
}

// Cuts the rest of the input (of the part) into batches and feeds them to the pipeline. `base`
// is the input position at which the reader started (its offsets and lines count from there).
void read_batches(CsvReader& reader, RecordPosition base, Pipeline& pipe, const MapOptions& o, Progress& progress,
                  MapSummary& summary) {
  CsvRecord record;
  Batch batch;
  std::uint64_t seq = 0;
  auto flush = [&] {
    batch.seq = seq++;
    const std::size_t text = batch.text.size(), fields = batch.fields.size(), rows = batch.rows.size();
    pipe.push(std::move(batch));
    batch = Batch{};  // sized like the last one: no regrowing, copy by copy
    batch.text.reserve(text + text / 8);
    batch.fields.reserve(fields + fields / 8);
    batch.rows.reserve(rows);
  };
  bool first = true;
  summary.next = {};
  for (CsvStatus s; (s = reader.next(record)) != CsvStatus::end_of_input;) {
    record.line += base.line - 1;
    const RecordPosition at{base.offset + record.byte_offset, record.line};
    if (first) summary.first = at;
    first = false;
    if (at.offset >= o.part.end) {
      summary.next = at;
      break;
    }
    batch.add(record, s);
    ++summary.rows_in;
    if (batch.rows.size() >= o.batch_rows || batch.text.size() >= o.batch_bytes) {
      flush();
      progress.update(summary.rows_in, reader.bytes_read());
    }
  }
  if (summary.next == RecordPosition{}) summary.next = {base.offset + reader.bytes_read(), 0};
  if (first) summary.first = summary.next;
  if (!batch.rows.empty()) flush();
}

// The input is read while the outputs are written: writing over it would destroy it. Compared by
// device and inode, so another spelling or a hard link of the input is caught too.
void refuse_overwriting_input(const std::string& input, const std::string& output, const std::string& rejects) {
  for (const std::string* out : {&output, &rejects})
    if (*out == input || same_file(*out, input))
      throw Error(*out + ": is the input file; write the output and rejects elsewhere", ErrorCode::invalid_option);
  if (output == rejects || same_file(output, rejects))
    throw Error(output + ": the output and the rejects file must differ", ErrorCode::invalid_option);
}

}  // namespace

const Gazetteer& GazetteerSource::get() {
  std::call_once(once_, [this] {
    if (!built_) built_ = &own_.emplace(index_);
  });
  return *built_;
}

CustomerMapper::CustomerMapper(const std::vector<std::string>& header, const MapColumns& columns,
                               const PlaceIndex& index, GazetteerSource& gazetteer, const std::string& source)
    : index_(index), plan_(plan_columns(header, columns, source)),
      gazetteer_(plan_.has_address() ? &gazetteer.get() : nullptr) {}

bool CustomerMapper::map(const CustomerFields& fields, MappedRow& out, std::string& why) const {
  out = MappedRow{};
  const std::string_view lat = trim(fields.lat), lon = trim(fields.lon);
  if (!lat.empty() || !lon.empty()) {
    if (lat.empty() || lon.empty()) {
      why = lat.empty() ? "lon is given but lat is empty" : "lat is given but lon is empty";
      return false;
    }
    const CoordinateStatus status = parse_lat_lng(lat, lon, out.point);
    if (status != CoordinateStatus::ok) {
      why = explain(status, lat, lon, "lat", "lon");
      return false;
    }
    out.level = MatchLevel::coordinates;
    out.confidence = 1;
    (void)index_.locate(out.point, out.chain);
    return true;
  }
  if (!gazetteer_) return true;  // no coordinates and no address column: geo_match none
  const AddressMatch m = gazetteer_->match(fields.address);
  out.level = m.level;
  out.confidence = m.confidence;
  out.reason = m.reason;
  if (m.level == MatchLevel::none) return true;
  out.point = m.point;
  fill_chain(m, out.chain);
  return true;
}

// Levels at and above the match only: a town match says nothing about the ZIP.
void CustomerMapper::fill_chain(const AddressMatch& m, PlaceChain& chain) const {
  index_.chain_of(m.neighbourhood ? *m.neighbourhood : *m.place, chain);
  if (m.level == MatchLevel::postal || (m.level == MatchLevel::town && !chain[PlaceLevel::district])) {
    PlaceChain located;
    (void)index_.locate(m.point, located);
    if (!chain[PlaceLevel::district] && located[PlaceLevel::region] == chain[PlaceLevel::region])
      chain.at[static_cast<std::size_t>(PlaceLevel::district)] = located[PlaceLevel::district];
    if (m.level == MatchLevel::postal) chain.at[static_cast<std::size_t>(PlaceLevel::town)] = located[PlaceLevel::town];
  }
}

MapSummary map_customers(const MapOptions& o, const PlaceIndex& index, GazetteerSource& gazetteer,
                         std::ostream& progress_out) {
  if (o.batch_rows == 0 || o.batch_bytes == 0 || o.batch_bytes > (std::size_t{1} << 30))
    throw Error("MapOptions: batch_rows must be positive and batch_bytes in 1 B .. 1 GiB", ErrorCode::invalid_option);
  if (o.part.begin > o.part.end || o.part.first_line == 0)
    throw Error("MapOptions: part.begin must not lie after part.end, and lines count from 1", ErrorCode::invalid_option);
  std::ifstream in(o.input, std::ios::binary);
  if (!in) throw Error(o.input + ": cannot read", ErrorCode::io);
  CsvOptions csv_options;
  csv_options.delimiter = o.delimiter;
  CsvReader header_reader(in, csv_options);
  CsvRecord header_record;
  if (header_reader.next(header_record) != CsvStatus::ok) throw Error(o.input + ":1: no header row");
  const std::vector<std::string> header(header_record.fields.begin(), header_record.fields.end());
  const CustomerMapper mapper(header, o.columns, index, gazetteer, o.input);

  MapSummary summary;
  summary.rejects_path = !o.rejects.empty() ? o.rejects : o.output == "-" ? "rejects.csv" : o.output + ".rejects.csv";
  refuse_overwriting_input(o.input, o.output, summary.rejects_path);
  auto sink = open_map_output(o.output, header, header_reader.delimiter(), o.part.header, o.stores != nullptr);
  RejectsWriter rejects(summary.rejects_path, o.part.header);
  // A part other than the first is read by a reader of its own, from its first record on.
  std::optional<CsvReader> part_reader;
  if (o.part.begin > 0) {
    in.clear();
    in.seekg(static_cast<std::streamoff>(o.part.begin));
    csv_options.delimiter = header_reader.delimiter();
    csv_options.input_start = false;
    part_reader.emplace(in, csv_options);
  }
  const RecordPosition base = part_reader ? RecordPosition{o.part.begin, o.part.first_line} : RecordPosition{0, 1};
  CsvReader& reader = part_reader ? *part_reader : header_reader;

  const auto start = std::chrono::steady_clock::now();  // the rows, not building the gazetteer
  const int threads = o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  Pipeline pipe(static_cast<std::size_t>(threads) * 2 + 2);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) workers.emplace_back(work, std::ref(pipe), std::cref(mapper), std::cref(o));
  std::exception_ptr write_error;
  std::thread writer([&] { write_error = write_in_order(pipe, *sink, rejects, summary); });

  std::error_code ec;
  const auto total_bytes = std::filesystem::file_size(o.input, ec);
  Progress progress(progress_out, o.progress, ec ? 0 : total_bytes);
  read_batches(reader, base, pipe, o, progress, summary);
  pipe.close();
  for (auto& w : workers) w.join();
  writer.join();
  progress.done();
  if (write_error) std::rethrow_exception(write_error);
  sink->finish();
  rejects.finish();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

std::string describe(const MapSummary& s) {
  std::string out = std::to_string(s.rows_in) + " rows in, " + std::to_string(s.rows_out) + " rows out, " +
                    std::to_string(s.rejected) + " rejected";
  if (s.rejected) out += " (see " + s.rejects_path + ")";
  out += "; geo_match:";
  for (std::size_t l = 0; l < s.by_match.size(); ++l) {
    out += ' ';
    out += geotarget::describe(static_cast<MatchLevel>(l));
    out += ' ';
    out += std::to_string(s.by_match[l]);
  }
  char rate[64];
  std::snprintf(rate, sizeof rate, "; %.2f s, %.0f rows/s", s.seconds,
                s.seconds > 0 ? static_cast<double>(s.rows_in) / s.seconds : 0.0);
  return out + rate;
}

}  // namespace geotarget
