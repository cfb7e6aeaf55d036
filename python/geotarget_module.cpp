// geotarget._geotarget: the Python module's native part, a thin layer over the public C++ API
// (python/geotarget/__init__.py re-exports it and adds the pandas side). Every answer comes from
// the engine: PlaceIndex::locate, Gazetteer::match, IpResolver::lookup, CustomerMapper (the
// mapping of `geotarget map`), map_customers, allocate_customers, write_report.
//
// Arrays in, arrays out: a loop over rows runs in C++ with the GIL released and creates no
// Python object per row; places come back as numbers into PlaceIndex.place_ids() (-1: none),
// which the Python side turns into id or name columns with one numpy take.
// A geotarget::Error becomes geotarget.Error, with the engine's code and message.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include "geotarget/allocation_file.hpp"
#include "geotarget/batch_mapper.hpp"
#include "geotarget/campaigns.hpp"
#include "geotarget/error.hpp"
#include "geotarget/gazetteer.hpp"
#include "geotarget/ip_resolver.hpp"
#include "geotarget/place_index.hpp"
#include "geotarget/report.hpp"

namespace py = pybind11;

namespace geotarget::python {
namespace {

using Coordinates = py::array_t<double, py::array::c_style | py::array::forcecast>;
template <class T>
using Column = py::array_t<T>;

// A place index and the gazetteer built from it on first use: what a process loads once per
// manifest (geotarget.dask keeps one per worker process).
struct Geodata {
  explicit Geodata(std::shared_ptr<const PlaceIndex> loaded) : index(std::move(loaded)), gazetteer(index) {}
  std::shared_ptr<const PlaceIndex> index;
  GazetteerSource gazetteer;

  [[nodiscard]] std::int32_t number_of(const Place* place) const noexcept {
    return place ? static_cast<std::int32_t>(place - index->places().data()) : -1;
  }
};
using GeodataPtr = std::shared_ptr<Geodata>;

// Loading takes seconds: other Python threads (a Dask worker's heartbeat) run meanwhile.
GeodataPtr load_geodata(const std::string& manifest) {
  py::gil_scoped_release unlocked;
  return std::make_shared<Geodata>(PlaceIndex::load(manifest));
}

// The chain's place numbers, one column per level, from row `row` on.
struct ChainColumns {
  explicit ChainColumns(py::ssize_t n) {
    for (auto& c : levels) c = Column<std::int32_t>(n);
  }
  void set(const Geodata& g, py::ssize_t row, const PlaceChain& chain) {
    for (std::size_t l = 0; l < kPlaceLevels; ++l) levels[l].mutable_data()[row] = g.number_of(chain.at[l]);
  }
  void into(py::dict& out) const {
    for (std::size_t l = 0; l < kPlaceLevels; ++l) out[py::str(std::string(describe(static_cast<PlaceLevel>(l))))] = levels[l];
  }
  std::array<Column<std::int32_t>, kPlaceLevels> levels;
};

// The match reasons of some rows as numbers into their distinct texts (static text, a handful):
// "reason" per row, "reasons" the texts, number 0 the empty one.
struct ReasonColumn {
  explicit ReasonColumn(py::ssize_t n) : numbers(n) {}
  void set(py::ssize_t row, std::string_view reason) {
    auto it = std::find(texts.begin(), texts.end(), reason);
    if (it == texts.end()) it = texts.insert(texts.end(), reason);
    numbers.mutable_data()[row] = static_cast<std::uint8_t>(it - texts.begin());
  }
  void into(py::dict& out) const {
    out["reason"] = numbers;
    out["reasons"] = std::vector<std::string>(texts.begin(), texts.end());
  }
  Column<std::uint8_t> numbers;
  std::vector<std::string_view> texts{""};
};

py::dict locate(const Geodata& g, const Coordinates& lat, const Coordinates& lon) {
  if (lat.ndim() != 1 || lon.ndim() != 1 || lat.size() != lon.size())
    throw Error("locate: lat and lon must be one-dimensional arrays of the same length", ErrorCode::invalid_option);
  const py::ssize_t n = lat.size();
  ChainColumns chains(n);
  Column<std::uint8_t> status(n);
  {
    py::gil_scoped_release unlocked;
    const double* la = lat.data();
    const double* lo = lon.data();
    PlaceChain chain;
    for (py::ssize_t i = 0; i < n; ++i) {
      chain = PlaceChain{};
      status.mutable_data()[i] = static_cast<std::uint8_t>(g.index->locate({la[i], lo[i]}, chain));
      chains.set(g, i, chain);
    }
  }
  py::dict out;
  chains.into(out);
  out["status"] = status;
  return out;
}

py::list place_field(const Geodata& g, bool names) {
  py::list out;
  for (const Place& p : g.index->places()) out.append(py::str(names ? p.name : p.id));
  return out;
}

std::vector<std::string> status_names(std::initializer_list<std::string_view> names) {
  return {names.begin(), names.end()};
}

// Addresses -> the gazetteer's matches.
py::dict geocode(Geodata& g, const std::vector<std::string>& addresses) {
  const Gazetteer& gazetteer = g.gazetteer.get();
  const auto n = static_cast<py::ssize_t>(addresses.size());
  Column<double> lat(n), lon(n), confidence(n);
  Column<std::uint8_t> level(n);
  Column<std::int32_t> place(n);
  ReasonColumn reason(n);
  {
    py::gil_scoped_release unlocked;
    for (py::ssize_t i = 0; i < n; ++i) {
      AddressQuery q;
      q.address = addresses[static_cast<std::size_t>(i)];
      const AddressMatch m = gazetteer.match(q);
      const bool located = m.level != MatchLevel::none;
      lat.mutable_data()[i] = located ? m.point.lat : Location::unknown;
      lon.mutable_data()[i] = located ? m.point.lon : Location::unknown;
      confidence.mutable_data()[i] = m.confidence;
      level.mutable_data()[i] = static_cast<std::uint8_t>(m.level);
      place.mutable_data()[i] = g.number_of(m.place);
      reason.set(i, m.reason);
    }
  }
  py::dict out;
  out["lat"] = lat;
  out["lon"] = lon;
  out["match"] = level;
  out["confidence"] = confidence;
  out["place"] = place;
  reason.into(out);
  return out;
}

// Addresses -> locations. Strings (country, city, ...) are made once per distinct record.
py::dict lookup(const IpResolver& resolver, const std::vector<std::string>& addresses) {
  const auto n = static_cast<py::ssize_t>(addresses.size());
  Column<double> lat(n), lon(n), accuracy(n);
  Column<std::uint8_t> status(n), prefix(n);
  Column<std::int64_t> record(n);
  {
    py::gil_scoped_release unlocked;
    for (py::ssize_t i = 0; i < n; ++i) {
      const IpLookup r = resolver.lookup(addresses[static_cast<std::size_t>(i)]);
      status.mutable_data()[i] = static_cast<std::uint8_t>(r.status);
      prefix.mutable_data()[i] = r.prefix_length;
      record.mutable_data()[i] = r.location ? static_cast<std::int64_t>(r.record) : -1;
      lat.mutable_data()[i] = r.location ? r.location->position.lat : Location::unknown;
      lon.mutable_data()[i] = r.location ? r.location->position.lon : Location::unknown;
      accuracy.mutable_data()[i] = r.location ? r.location->accuracy_km : Location::unknown;
    }
  }
  py::dict out;
  out["status"] = status;
  out["lat"] = lat;
  out["lon"] = lon;
  out["accuracy_km"] = accuracy;
  out["prefix_length"] = prefix;
  out["record"] = record;
  return out;
}

py::dict record_fields(const IpResolver& resolver, std::uint32_t number) {
  const Location* l = resolver.record(number);
  if (!l) throw Error("IpResolver: no record " + std::to_string(number), ErrorCode::invalid_option);
  py::dict out;
  out["country"] = std::string(l->country);
  out["region"] = std::string(l->region);
  out["city"] = std::string(l->city);
  out["postal"] = std::string(l->postal);
  out["time_zone"] = std::string(l->time_zone);
  out["precision"] = std::string(describe(l->precision));
  return out;
}

MapColumns map_columns(const std::map<std::string, std::string>& names) {
  MapColumns c;
  const std::pair<const char*, std::string*> fields[] = {{"lat", &c.lat},       {"lon", &c.lon},
                                                         {"address", &c.address}, {"street", &c.street},
                                                         {"city", &c.city},     {"state", &c.state},
                                                         {"postal", &c.postal}, {"country", &c.country}};
  for (const auto& [key, value] : names) {
    auto it = std::find_if(std::begin(fields), std::end(fields), [&](const auto& f) { return key == f.first; });
    if (it == std::end(fields))
      throw Error("columns: unknown field '" + key + "' (lat, lon, address, street, city, state, postal, country)",
                  ErrorCode::invalid_option);
    *it->second = value;
  }
  return c;
}

py::dict plan_dict(const MapColumnPlan& p) {
  py::dict out;
  const std::pair<const char*, int> columns[] = {{"lat", p.lat},       {"lon", p.lon},       {"address", p.address},
                                                 {"street", p.street}, {"city", p.city},     {"state", p.state},
                                                 {"postal", p.postal}, {"country", p.country}};
  for (auto [name, column] : columns) out[name] = column;
  return out;
}

// The columns of a header that mapping reads, by the engine's column detection.
py::dict plan_columns(Geodata& g, const std::vector<std::string>& header, const std::map<std::string, std::string>& names,
                      const std::string& source) {
  const CustomerMapper mapper(header, map_columns(names), *g.index, g.gazetteer, source);
  return plan_dict(mapper.plan());
}

// Rows given as text columns (one list per header column the plan reads; others None) ->
// the MappedRow of each, or its reason for rejection.
py::dict map_rows(Geodata& g, const std::vector<std::string>& header, const std::map<std::string, std::string>& names,
                  const std::vector<std::optional<std::vector<std::string>>>& columns, py::ssize_t n,
                  const std::string& source) {
  if (columns.size() != header.size()) throw Error("map_rows: one column a header name", ErrorCode::invalid_option);
  for (const auto& c : columns)
    if (c && static_cast<py::ssize_t>(c->size()) != n) throw Error("map_rows: columns of different lengths", ErrorCode::invalid_option);
  const CustomerMapper mapper(header, map_columns(names), *g.index, g.gazetteer, source);
  Column<double> lat(n), lon(n), confidence(n);
  Column<std::uint8_t> level(n);
  ChainColumns chains(n);
  ReasonColumn reason(n);
  std::vector<std::pair<py::ssize_t, std::string>> rejected;
  {
    py::gil_scoped_release unlocked;
    MappedRow row;
    std::string why;
    for (py::ssize_t i = 0; i < n; ++i) {
      const auto field = [&](int c) -> std::string_view {
        if (c < 0 || !columns[static_cast<std::size_t>(c)]) return {};
        return (*columns[static_cast<std::size_t>(c)])[static_cast<std::size_t>(i)];
      };
      why.clear();
      const bool mapped = mapper.map(mapper.plan().fields(field), row, why);
      if (!mapped) rejected.emplace_back(i, why.empty() ? "unusable" : why);
      const bool has_point = mapped && (row.level == MatchLevel::coordinates || row.level == MatchLevel::postal ||
                                        row.level == MatchLevel::town);
      lat.mutable_data()[i] = has_point ? row.point.lat : Location::unknown;
      lon.mutable_data()[i] = has_point ? row.point.lon : Location::unknown;
      level.mutable_data()[i] = static_cast<std::uint8_t>(mapped ? row.level : MatchLevel::none);
      confidence.mutable_data()[i] = mapped ? row.confidence : 0;
      chains.set(g, i, mapped ? row.chain : PlaceChain{});
      reason.set(i, mapped ? row.reason : std::string_view());
    }
  }
  py::dict out;
  out["lat"] = lat;
  out["lon"] = lon;
  chains.into(out);
  out["match"] = level;
  out["confidence"] = confidence;
  reason.into(out);
  out["rejected"] = rejected;
  out["plan"] = plan_dict(mapper.plan());
  return out;
}

py::dict summary_dict(const MapSummary& s) {
  py::dict out;
  out["rows_in"] = s.rows_in;
  out["rows_out"] = s.rows_out;
  out["rejected"] = s.rejected;
  py::dict by_match;
  for (std::size_t l = 0; l < s.by_match.size(); ++l) by_match[py::str(std::string(describe(static_cast<MatchLevel>(l))))] = s.by_match[l];
  out["by_match"] = by_match;
  out["seconds"] = s.seconds;
  out["rejects_path"] = s.rejects_path;
  out["first"] = py::make_tuple(s.first.offset, s.first.line);
  out["next"] = py::make_tuple(s.next.offset, s.next.line);
  out["describe"] = describe(s);
  return out;
}

// One file (or one part of it) as `geotarget map` maps it.
py::dict map_file(Geodata& g, const std::string& input, const std::string& output, const std::string& rejects,
                  int threads, const std::map<std::string, std::string>& names, std::uint64_t begin, std::uint64_t end,
                  std::size_t first_line, bool header, char delimiter) {
  MapOptions o;
  o.input = input;
  o.output = output;
  o.rejects = rejects;
  o.threads = threads;
  o.delimiter = delimiter;
  o.columns = map_columns(names);
  o.part = {begin, end, first_line, header};
  MapSummary s;
  {
    py::gil_scoped_release unlocked;
    std::ostringstream no_progress;
    s = map_customers(o, *g.index, g.gazetteer, no_progress);
  }
  return summary_dict(s);
}

py::list allocate(Geodata& g, const std::string& campaigns, const std::string& mapped_csv, const std::string& output,
                  const std::string& manifest) {
  AllocationFile a;
  {
    py::gil_scoped_release unlocked;
    const CampaignSet set = load_campaigns(campaigns, g.index.get());
    a = allocate_customers(set, mapped_csv, *g.index);
    a.geodata = std::filesystem::absolute(manifest).string();
    a.generated_by = "geotarget (Python)";
    write_allocation_file(a, output);
  }
  py::list out;
  for (const auto& c : a.campaigns) {
    py::dict d;
    d["campaign"] = c.campaign_id;
    d["areas"] = c.areas.size();
    d["budget_cents"] = c.budget_cents;
    d["unspent_cents"] = c.unspent_cents;
    out.append(d);
  }
  return out;
}

py::dict report(const std::string& allocation, const std::string& out_dir, const std::string& geodata,
                const std::string& title, double min_audience_shown, const std::string& spend) {
  ReportOptions o;
  o.geodata = geodata;
  o.spend = spend;
  if (!title.empty()) o.title = title;
  o.min_audience_shown = min_audience_shown;
  ReportSummary s;
  {
    py::gil_scoped_release unlocked;
    s = write_report(allocation, out_dir, o);
  }
  py::dict out;
  out["campaigns"] = s.campaigns;
  out["areas_shown"] = s.areas_shown;
  out["areas_hidden"] = s.areas_hidden;
  out["areas_unmapped"] = s.areas_unmapped;
  out["html_bytes"] = s.html_bytes;
  return out;
}

}  // namespace
}  // namespace geotarget::python

PYBIND11_MODULE(_geotarget, m) {
  using namespace geotarget;
  using namespace geotarget::python;
  m.doc() = "geotarget's engine (see the geotarget package)";

  static py::handle error_type = PyErr_NewException("geotarget.Error", PyExc_Exception, nullptr);
  m.add_object("Error", error_type);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      py::object error = error_type(e.what());
      error.attr("code") = std::string(describe(e.code()));
      error.attr("message") = std::string(e.what());
      PyErr_SetObject(error_type.ptr(), error.ptr());
    }
  });

  m.attr("default_geodata") = GEOTARGET_DEFAULT_GEODATA;  // what `geotarget map` uses without --geodata
  m.attr("match_levels") = status_names({"coordinates", "postal", "town", "region", "country", "none"});
  m.attr("locate_statuses") = [] {
    std::vector<std::string> names;
    for (int s = 0; s <= static_cast<int>(CoordinateStatus::invalid_longitude); ++s)
      names.emplace_back(describe(static_cast<CoordinateStatus>(s)));
    return names;
  }();
  m.attr("lookup_statuses") = [] {
    std::vector<std::string> names;
    for (int s = 0; s <= static_cast<int>(LookupStatus::database_error); ++s)
      names.emplace_back(describe(static_cast<LookupStatus>(s)));
    return names;
  }();

  py::class_<Geodata, GeodataPtr>(m, "Geodata")
      .def(py::init(&load_geodata), py::arg("manifest"))
      .def("locate", &locate, py::arg("lat"), py::arg("lon"))
      .def("place_ids", [](const Geodata& g) { return place_field(g, false); })
      .def("place_names", [](const Geodata& g) { return place_field(g, true); })
      .def("place_levels", [](const Geodata& g) {
        std::vector<std::uint8_t> levels;
        for (const Place& p : g.index->places()) levels.push_back(static_cast<std::uint8_t>(p.level));
        return levels;
      })
      .def("geocode", &geocode, py::arg("addresses"))
      .def("plan_columns", &plan_columns, py::arg("header"), py::arg("columns"), py::arg("source"))
      .def("map_rows", &map_rows, py::arg("header"), py::arg("columns"), py::arg("fields"), py::arg("rows"),
           py::arg("source"))
      .def("map_file", &map_file, py::arg("input"), py::arg("output"), py::arg("rejects") = "",
           py::arg("threads") = 0, py::arg("columns") = std::map<std::string, std::string>{}, py::arg("begin") = 0,
           py::arg("end") = UINT64_MAX, py::arg("first_line") = 1, py::arg("header") = true,
           py::arg("delimiter") = '\0')
      .def("allocate", &allocate, py::arg("campaigns"), py::arg("mapped_csv"), py::arg("output"), py::arg("manifest"));

  py::class_<IpResolver>(m, "IpResolver")
      .def(py::init([](const std::vector<std::string>& paths) {
             py::gil_scoped_release unlocked;
             return std::make_unique<IpResolver>(paths);
           }),
           py::arg("dbs"))
      .def("lookup", &lookup, py::arg("addresses"))
      .def("record_fields", &record_fields, py::arg("record"));

  m.def("report", &report, py::arg("allocation"), py::arg("out_dir"), py::arg("geodata") = "", py::arg("title") = "",
        py::arg("min_audience_shown") = 0.0, py::arg("spend") = "");
}
