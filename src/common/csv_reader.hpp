// Internal: a streaming RFC 4180 CSV reader.
//
//   std::ifstream in("customers.csv", std::ios::binary);
//   geotarget::detail::CsvReader reader(in);          // delimiter detected from the first line
//   geotarget::detail::CsvRecord r;
//   for (CsvStatus s; (s = reader.next(r)) != CsvStatus::end_of_input;) {
//     if (s != CsvStatus::ok) { rejects << r.line << ',' << describe(s) << '\n'; continue; }
//     use(r.fields);                                  // string_views, valid until next()
//   }
//
// Memory is bounded: the stream is read in chunks and the reader never holds more than about
// one record (at most CsvOptions::max_record_bytes) plus two chunks, whatever the file size.
// Fields are string_views into the read buffer; only a quoted field with doubled quotes is
// copied, unescaped, into a per-record scratch buffer. No allocation per field or per record
// once the buffers have grown.
//
// Accepted input: an optional UTF-8 BOM; LF, CRLF or lone CR line ends (a lone CR counts as a
// line, as in old Mac files); quoted fields with delimiters, doubled quotes and line ends inside.
// Lines that are completely empty carry no record and are skipped (but counted). The header
// row, if any, is the caller's business: it is simply the first record.
//
// Malformed input is a status, not an exception: the bad record is reported with its line and
// raw text, and reading resumes at the first line end after the point of the error, so that
// an unbalanced quote costs one line and later valid records are not lost.
//
// Thread-safety: one reader per thread; readers share nothing.
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace geotarget::detail {

enum class CsvStatus : std::uint8_t {
  ok,
  end_of_input,
  unterminated_quote,  ///< a quoted field still open at the end of the input
  stray_quote,         ///< a quote inside an unquoted field
  text_after_quote,    ///< characters between a closing quote and the next delimiter
  record_too_long,     ///< longer than CsvOptions::max_record_bytes
};

/// Stable snake_case name of the status ("unterminated_quote", ...), for rejects files.
[[nodiscard]] std::string_view describe(CsvStatus s) noexcept;

struct CsvRecord {
  std::vector<std::string_view> fields;  ///< empty for a malformed record
  std::size_t line = 0;                  ///< 1-based line on which the record starts
  std::uint64_t byte_offset = 0;         ///< of the record's first byte in the input (BOM included)
  std::string_view raw;  ///< the record's text without its line end (at most max_record_bytes)
};

struct CsvOptions {
  /// Field delimiter. DEFAULT: 0, detected from the first non-empty line: the most frequent of
  /// ',', ';' and '\t' outside quotes, ',' on a tie or when none occurs.
  char delimiter = 0;
  /// Longest record accepted, in bytes, line end excluded. DEFAULT: 1 MiB.
  std::size_t max_record_bytes = 1 << 20;
  /// Bytes read from the stream at a time. DEFAULT: 256 KiB (tests use tiny chunks to put a
  /// chunk boundary at every position).
  std::size_t chunk_bytes = 1 << 18;
  /// The stream is at the start of the input, so a UTF-8 BOM there is skipped. False for a
  /// reader that starts at a record inside a file (a part of it). DEFAULT: true.
  bool input_start = true;
};

class CsvReader {
 public:
  /// Reads the first chunk (to skip a BOM and detect the delimiter). Throws
  /// geotarget::Error (invalid_option) for a delimiter that cannot work ('"', CR, LF) or a zero chunk size.
  explicit CsvReader(std::istream& in, CsvOptions options = {});

  /// Reads the next record into `record`. Returns ok, end_of_input, or an error status; after
  /// an error, record.line, record.byte_offset and record.raw describe the bad record and
  /// reading may go on. Views in `record` stay valid until the next call.
  [[nodiscard]] CsvStatus next(CsvRecord& record);

  [[nodiscard]] char delimiter() const noexcept { return delimiter_; }
  /// Bytes of the input consumed so far (for progress against the file size).
  [[nodiscard]] std::uint64_t bytes_read() const noexcept { return consumed_base_ + pos_; }

 private:
  bool fill();  // appends the next chunk (compacting first); false when nothing was added
  bool skip_blank_lines();
  char detect_delimiter();
  CsvStatus parse(CsvRecord& record);
  CsvStatus parse_quoted(std::size_t& i, std::size_t& line_ends);
  CsvStatus parse_plain(std::size_t& i);
  [[nodiscard]] std::size_t past_line_end(std::size_t i) const noexcept;
  CsvStatus reject(CsvRecord& record, CsvStatus why, std::size_t resume_from);
  void emit(CsvRecord& record, std::size_t raw_end, std::size_t line_ends);

  std::istream& in_;
  CsvOptions options_;
  char delimiter_ = ',';
  std::array<bool, 256> special_{};  // delimiter, quote, CR, LF: where a plain field stops
  std::string buffer_;               // unconsumed input starts at pos_
  std::size_t pos_ = 0;
  std::size_t error_at_ = 0;         // set by parse() with an error status
  std::string scratch_;              // unescaped fields, or the raw text of a skipped record
  std::vector<std::pair<std::size_t, std::size_t>> spans_;  // (offset, length); kScratch bit: scratch_
  std::uint64_t consumed_base_ = 0;  // input offset of buffer_[0]
  std::size_t line_ = 1;
  bool eof_ = false;
};

/// The field as CSV output: quoted when it holds the delimiter, a quote, CR or LF, or starts
/// or ends with a space (which some readers trim), with inner quotes doubled; else unchanged.
[[nodiscard]] std::string csv_escape(std::string_view field, char delimiter = ',');

}  // namespace geotarget::detail
