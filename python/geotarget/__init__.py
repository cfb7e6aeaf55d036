"""geotarget from Python: the C++ engine through a thin pybind11 layer.

    import geotarget
    index = geotarget.PlaceIndex("geodata/default.yaml")
    places = index.locate(lat_array, lon_array)          # {"country": ids, ..., "status": ...}
    matches = geotarget.Gazetteer(index).geocode(["45 oak ave, Canon City CO 81212"])
    found = geotarget.IpResolver("city.mmdb").lookup(["81.2.69.160"])
    mapped, rejects = geotarget.map_dataframe(customers_df, index)   # as `geotarget map`
    geotarget.allocate("campaigns.yaml", mapped, index, "alloc.json")
    geotarget.report("alloc.json", "report/")

Every answer comes from the engine (the same calls as the `geotarget` command); loops over rows
run in C++ with the GIL released. Errors raise geotarget.Error, whose `code` is the engine's
error code ("invalid_input", "io", "invalid_option", "limit_exceeded") and `message` its
one-line message naming the file and the place in it.
"""

import os
import tempfile

import numpy as np

from . import _geotarget
from ._geotarget import Error

__all__ = ["Error", "PlaceIndex", "Gazetteer", "IpResolver", "map_dataframe", "allocate", "report",
           "LEVELS", "GEO_COLUMNS"]

LEVELS = ("country", "region", "district", "town", "neighbourhood", "postal")
# The brief's nine columns in their order, then those added since (as `geotarget map` writes them).
GEO_COLUMNS = ("geo_lat", "geo_lon", "geo_country", "geo_region", "geo_district", "geo_town", "geo_postal",
               "geo_match", "geo_confidence", "geo_neighbourhood", "geo_reason")
_MATCH_LEVELS = np.array(_geotarget.match_levels, dtype=object)
_LOCATE_STATUSES = np.array(_geotarget.locate_statuses, dtype=object)
_LOOKUP_STATUSES = np.array(_geotarget.lookup_statuses, dtype=object)


def _reasons(found):
    """The match reason of each row of an engine answer, None where there is none."""
    texts = np.array([None] + list(found["reasons"][1:]), dtype=object)
    return texts[found["reason"]]


def _with_none(values):
    """An object array of `values` plus None at the end, so that number -1 takes None."""
    out = np.empty(len(values) + 1, dtype=object)
    out[:-1] = values
    return out


class PlaceIndex:
    """The place index of a geodata manifest (country > region > district > town > neighbourhood,
    postal).

    Loads once (seconds for the default pack); immutable, shared by any number of threads.
    """

    def __init__(self, manifest):
        self.manifest = os.fspath(manifest)
        self._geodata = _geotarget.Geodata(self.manifest)
        self._ids = None
        self._names = None

    def place_ids(self):
        """Every place id, by place number (the numbers locate(ids=False) answers)."""
        if self._ids is None:
            self._ids = _with_none(self._geodata.place_ids())
        return self._ids[:-1]

    def place_names(self):
        if self._names is None:
            self._names = _with_none(self._geodata.place_names())
        return self._names[:-1]

    def _take(self, numbers, names=False):
        table = self._names if names else self._ids
        if table is None:
            self.place_names() if names else self.place_ids()
            table = self._names if names else self._ids
        return table[numbers]  # -1 takes the None at the end

    def locate(self, lat, lon, ids=True, names=False):
        """The places containing each point: a dict of arrays, one per level (country, region,
        district, town, neighbourhood, postal), of place ids (None where a level has no place there), or of
        place numbers (-1: none) with ids=False; with names=True also "<level>_name" arrays;
        and "status": "ok", "invalid_latitude" or "invalid_longitude" per point."""
        found = self._geodata.locate(np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64))
        out = {}
        for level in LEVELS:
            numbers = found[level]
            out[level] = self._take(numbers) if ids else numbers
            if names:
                out[level + "_name"] = self._take(numbers, names=True)
        out["status"] = _LOCATE_STATUSES[found["status"]]
        return out


class Gazetteer:
    """Addresses -> places, from the places of a PlaceIndex (built once per index, on first use)."""

    def __init__(self, index):
        self.index = index

    def geocode(self, addresses):
        """Single-line addresses (a sequence or array of strings) -> a dict of arrays: lat, lon
        (NaN without a match), match ("postal", "town", "region", "country", "none"), confidence,
        place (the id of the place that decided, None without a match), reason (why evidence the
        address gave was set aside, as geo_reason of `geotarget map`; None when none was)."""
        found = self.index._geodata.geocode([str(a) for a in addresses])
        return {"lat": found["lat"], "lon": found["lon"], "match": _MATCH_LEVELS[found["match"]],
                "confidence": found["confidence"], "place": self.index._take(found["place"]),
                "reason": _reasons(found)}


class IpResolver:
    """IP addresses -> locations, from an MMDB database (GeoIP2-City or the flat DB-IP schema), or
    from several as one (a list: the first file that has the address answers)."""

    def __init__(self, db):
        paths = [db] if isinstance(db, (str, os.PathLike)) else list(db)
        self._resolver = _geotarget.IpResolver([os.fspath(p) for p in paths])

    def lookup(self, addresses):
        """A dict of arrays: status ("found", "not_found", "invalid_ip", "special_range", ...),
        lat, lon, accuracy_km (NaN where unknown), prefix_length (of the matching network),
        country, region, city, postal, time_zone ("" where unknown, None when not found), and
        precision ("city", "region" or "country": how far down the record's places may go)."""
        found = self._resolver.lookup([str(a) for a in addresses])
        records = found["record"]
        out = {"status": _LOOKUP_STATUSES[found["status"]], "lat": found["lat"], "lon": found["lon"],
               "accuracy_km": found["accuracy_km"], "prefix_length": found["prefix_length"]}
        distinct, inverse = np.unique(records, return_inverse=True)
        fields = [self._resolver.record_fields(int(r)) if r >= 0 else None for r in distinct]
        for name in ("country", "region", "city", "postal", "time_zone", "precision"):
            column = np.array([f[name] if f else None for f in fields], dtype=object)
            out[name] = column[inverse] if len(records) else np.empty(0, dtype=object)
        return out


def _as_text(column):
    """A DataFrame column as the text a CSV file would hold: missing values are empty."""
    missing = column.isna().to_numpy()
    text = column.astype(str).to_numpy(dtype=object)
    text[missing] = ""
    return list(text)


def _map_frame(df, index, columns, source):
    """The geo_ columns of every row of `df` (empty for rejected rows) and the reason of each
    rejected row (None for mapped rows), from the engine's CustomerMapper."""
    header = [str(c) for c in df.columns]
    names = dict(columns or {})
    plan = index._geodata.plan_columns(header, names, source)
    read = {c for c in plan.values() if c >= 0}
    fields = [_as_text(df.iloc[:, c]) if c in read else None for c in range(len(header))]
    found = index._geodata.map_rows(header, names, fields, len(df), source)
    geo = {"geo_lat": found["lat"], "geo_lon": found["lon"]}
    for level in LEVELS:
        geo["geo_" + level] = index._take(found[level])
    geo["geo_match"] = _MATCH_LEVELS[found["match"]]
    geo["geo_confidence"] = np.round(found["confidence"], 2)
    geo["geo_reason"] = _reasons(found)
    reasons = np.full(len(df), None, dtype=object)
    for row, why in found["rejected"]:
        reasons[row] = why
    return geo, reasons


def map_dataframe(df, index, columns=None, source="dataframe"):
    """Maps a pandas DataFrame as `geotarget map` maps a CSV file: the same column detection (or
    `columns`, e.g. {"lat": "y", "lon": "x"}), the same geo_ columns appended, the same rejects.

    Returns (mapped, rejects): `mapped` holds the rows that were mapped with geo_lat, geo_lon
    (NaN where no point), geo_country ... geo_postal (place ids, None where none), geo_match,
    geo_confidence (two decimals, as written to CSV), geo_neighbourhood (the town's section, None
    where none) and geo_reason (None where empty); `rejects` the rejected rows with the reason in
    a first column, geo_reject_reason. Both keep the input's index. Raises geotarget.Error when no
    column holds a location, or a named column is missing.
    """
    import pandas as pd

    geo, reasons = _map_frame(df, index, columns, source)
    rejected = np.array([r is not None for r in reasons], dtype=bool)
    mapped = df.loc[~rejected].copy()
    for name in GEO_COLUMNS:
        mapped[name] = geo[name][~rejected]
    rejects = df.loc[rejected].copy()
    rejects.insert(0, "geo_reject_reason", pd.Series(reasons[rejected], index=rejects.index, dtype=object))
    return mapped, rejects


def allocate(campaigns, mapped, index, output):
    """Splits the budgets of a campaigns file over the areas of mapped customers, as
    `geotarget allocate` does; writes OUTPUT (JSON) and the CSV beside it. `mapped` is the CSV
    path written by `geotarget map` or a DataFrame from map_dataframe. Returns one dict per
    campaign (campaign, areas, budget_cents, unspent_cents)."""
    output = os.fspath(output)
    if isinstance(mapped, (str, os.PathLike)):
        return index._geodata.allocate(os.fspath(campaigns), os.fspath(mapped), output, index.manifest)
    with tempfile.TemporaryDirectory(prefix="geotarget-") as folder:
        path = os.path.join(folder, "mapped.csv")
        mapped.to_csv(path, index=False)
        return index._geodata.allocate(os.fspath(campaigns), path, output, index.manifest)


def report(allocation, out_dir, geodata="", title="", min_audience_shown=0.0, spend=""):
    """Writes the regional budget report of an allocation JSON (report.html, .csv, .json, .gpkg
    in OUT_DIR), as `geotarget report` does; with SPEND (the allocation's ledger file or
    redis://HOST:PORT), plan against actual. Returns counts (campaigns, areas_shown, ...)."""
    return _geotarget.report(os.fspath(allocation), os.fspath(out_dir), os.fspath(geodata), title,
                             float(min_audience_shown), os.fspath(spend))
