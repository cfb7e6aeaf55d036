#include "csv_reader.hpp"

#include <algorithm>
#include <array>

namespace geotarget::detail {

namespace {

constexpr std::size_t kChunk = 1 << 18;
constexpr std::size_t kScratchBit = std::size_t{1} << 63;  // span offset refers to scratch_
// parse() result meaning "the record is not complete in the buffer; read more".
constexpr auto kNeedMore = static_cast<CsvStatus>(255);

bool line_end(char c) { return c == '\n' || c == '\r'; }

}  // namespace

std::string_view describe(CsvStatus s) noexcept {
  switch (s) {
    case CsvStatus::ok: return "ok";
    case CsvStatus::end_of_input: return "end_of_input";
    case CsvStatus::unterminated_quote: return "unterminated_quote";
    case CsvStatus::stray_quote: return "stray_quote";
    case CsvStatus::text_after_quote: return "text_after_quote";
    case CsvStatus::record_too_long: return "record_too_long";
  }
  return "unknown";
}

CsvReader::CsvReader(std::istream& in, CsvOptions options) : in_(in), options_(options) {
  fill();
  if (buffer_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
  delimiter_ = options_.delimiter ? options_.delimiter : detect_delimiter();
}

bool CsvReader::fill() {
  if (eof_) return false;
  if (pos_ > 0 && pos_ >= buffer_.size() / 2) {  // drop consumed input before growing
    buffer_.erase(0, pos_);
    consumed_base_ += pos_;
    pos_ = 0;
  }
  std::size_t old = buffer_.size();
  buffer_.resize(old + kChunk);
  in_.read(buffer_.data() + old, static_cast<std::streamsize>(kChunk));
  buffer_.resize(old + static_cast<std::size_t>(in_.gcount()));
  if (in_.gcount() == 0 || !in_) eof_ = true;
  return buffer_.size() > old;
}

// The most frequent of comma, semicolon and tab outside quotes on the first line.
char CsvReader::detect_delimiter() {
  while (buffer_.find('\n', pos_) == std::string::npos && fill()) {
  }
  std::array<std::size_t, 3> counts{};
  bool quoted = false;
  for (std::size_t i = pos_; i < buffer_.size() && (quoted || !line_end(buffer_[i])); ++i) {
    char c = buffer_[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    counts[0] += c == ',';
    counts[1] += c == ';';
    counts[2] += c == '\t';
  }
  const char candidates[] = {',', ';', '\t'};
  auto best = std::max_element(counts.begin(), counts.end());
  return *best == 0 ? ',' : candidates[best - counts.begin()];
}

CsvStatus CsvReader::next(CsvRecord& record) {
  for (;;) {
    // Blank lines carry no record; skip them but count them.
    while (pos_ < buffer_.size() && line_end(buffer_[pos_])) {
      if (buffer_[pos_] == '\n') ++line_;
      ++pos_;
    }
    if (pos_ >= buffer_.size() && !fill()) return CsvStatus::end_of_input;
    if (pos_ < buffer_.size() && line_end(buffer_[pos_])) continue;
    std::size_t end = 0;
    CsvStatus s = parse(record, end);
    if (s == kNeedMore) {
      if (buffer_.size() - pos_ > options_.max_record_bytes)
        return skip_bad_record(record, CsvStatus::record_too_long);
      fill();
      continue;
    }
    if (s != CsvStatus::ok) return skip_bad_record(record, s);
    pos_ = end;
    return s;
  }
}

// Parses one record starting at pos_. On ok, `end` is just past its line end.
CsvStatus CsvReader::parse(CsvRecord& record, std::size_t& end) {
  spans_.clear();
  scratch_.clear();
  const std::size_t start = pos_, n = buffer_.size();
  std::size_t i = start, newlines = 0;
  for (;;) {
    if (i < n && buffer_[i] == '"') {
      // Quoted field: up to the closing quote; "" is a literal quote.
      std::size_t from = ++i;
      bool escaped = false;
      for (;;) {
        std::size_t q = buffer_.find('"', i);
        if (q == std::string::npos || q + 1 >= n) {
          if (!eof_) return kNeedMore;
          if (q == std::string::npos) return CsvStatus::unterminated_quote;
          i = q + 1;
          break;
        }
        if (buffer_[q + 1] == '"') {
          escaped = true;
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      std::string_view body(buffer_.data() + from, i - 1 - from);
      newlines += static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n'));
      if (!escaped) {
        spans_.emplace_back(from, body.size());
      } else {
        std::size_t at = scratch_.size();
        for (std::size_t k = 0; k < body.size(); ++k) {
          scratch_ += body[k];
          if (body[k] == '"') ++k;
        }
        spans_.emplace_back(at | kScratchBit, scratch_.size() - at);
      }
      if (i < n && buffer_[i] != delimiter_ && !line_end(buffer_[i])) return CsvStatus::text_after_quote;
    } else {
      std::size_t from = i;
      while (i < n && buffer_[i] != delimiter_ && !line_end(buffer_[i])) {
        if (buffer_[i] == '"') return CsvStatus::stray_quote;
        ++i;
      }
      if (i >= n && !eof_) return kNeedMore;
      spans_.emplace_back(from, i - from);
    }
    if (i < n && buffer_[i] == delimiter_) {
      ++i;
      continue;
    }
    break;  // line end or end of input
  }
  if (i < n && buffer_[i] == '\r' && i + 1 >= n && !eof_) return kNeedMore;  // CR of a CRLF?
  std::size_t raw_end = i;
  if (i < n && buffer_[i] == '\r') ++i;
  if (i < n && buffer_[i] == '\n') ++i;
  record.fields.clear();
  for (auto [offset, length] : spans_) {
    const char* base = (offset & kScratchBit) ? scratch_.data() : buffer_.data();
    record.fields.emplace_back(base + (offset & ~kScratchBit), length);
  }
  record.line = line_;
  record.byte_offset = consumed_base_ + start;
  record.raw = std::string_view(buffer_.data() + start, raw_end - start);
  line_ += newlines + 1;
  end = i;
  return CsvStatus::ok;
}

// Reports the bad record as the text up to the next line end, and resumes after it.
CsvStatus CsvReader::skip_bad_record(CsvRecord& record, CsvStatus why) {
  while (buffer_.find('\n', pos_) == std::string::npos && fill()) {
  }
  const std::size_t from = pos_, stop = buffer_.find('\n', from);
  std::size_t raw_end = stop == std::string::npos ? buffer_.size() : stop;
  if (raw_end > from && buffer_[raw_end - 1] == '\r') --raw_end;
  record.fields.clear();
  record.line = line_;
  record.byte_offset = consumed_base_ + from;
  record.raw = std::string_view(buffer_.data() + from, std::min(raw_end - from, options_.max_record_bytes));
  pos_ = stop == std::string::npos ? buffer_.size() : stop + 1;
  ++line_;
  return why;
}

std::string csv_escape(std::string_view field, char delimiter) {
  bool quote = !field.empty() && (field.front() == ' ' || field.back() == ' ');
  for (char c : field) quote |= c == delimiter || c == '"' || c == '\n' || c == '\r';
  if (!quote) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    out += c;
    if (c == '"') out += '"';
  }
  out += '"';
  return out;
}

}  // namespace geotarget::detail
