"""Batch mapping on Dask: `geotarget map` for files that outgrow one machine.

    python3 -m geotarget.dask map INPUT_GLOB -o OUT_DIR [--geodata M] [--scheduler ADDR]
                                  [--blocksize 64MB] [--workers N]

Each input file is cut into blocks of --blocksize bytes, as dask.dataframe.read_csv cuts CSV
files; each block is mapped on a worker by the engine (map_customers, the code of
`geotarget map`) into OUT_DIR/part-NNNNN.csv and OUT_DIR/rejects-NNNNN.csv. Only the first
part of a file carries the header rows, so the parts of a file, concatenated in order, are
byte for byte what `geotarget map` writes for it, rejects included (docs/scaling.md):

    cat OUT_DIR/part-*.csv     # == geotarget map INPUT -o mapped.csv
    cat OUT_DIR/rejects-*.csv  # == mapped.csv.rejects.csv

How a file is cut (docs/architecture.md D29). A block starts just after the first line end at
or after its nominal offset; a first, cheap pass over the blocks (on the workers) finds those
starts and counts the line ends before each, so that rejects carry the line numbers of the
whole file. That start is a guess: a quoted field may hold line ends. Each part reports where
the record after its last one starts; where that is not where the next part began, the next
part is mapped again from there, until every part begins where the one before ended. The
answer is then that of one sequential read, whatever the quoting.

The place index is loaded once per worker process (by the first task that needs it) and kept
for the process's life; tasks carry only paths and offsets. Without --scheduler a local
cluster of worker processes is started.
"""

import argparse
import glob
import os
import sys
import threading
import time

_geodata_lock = threading.Lock()
_geodata = {}


def geodata_of(manifest):
    """The PlaceIndex of `manifest` in this process, loaded by the first caller."""
    import geotarget

    with _geodata_lock:
        if manifest not in _geodata:
            _geodata[manifest] = geotarget.PlaceIndex(manifest)
        return _geodata[manifest]


def map_dask_dataframe(ddf, manifest, columns=None):
    """Maps a dask DataFrame (e.g. from dask.dataframe.read_csv(..., dtype=str,
    keep_default_na=False)) partition by partition with geotarget.map_dataframe on the workers,
    the index loaded once per worker process. Returns a dask DataFrame of every row with the
    geo_ columns and geo_reject_reason: None for mapped rows, the reason for rejected ones (whose
    geo_ columns are empty). dask.dataframe parses with pandas, so rows are not passed through
    verbatim and CSV-level rejects cannot be reported: for files, `map` below is exact."""
    import numpy as np
    import pandas as pd

    import geotarget

    manifest = os.path.abspath(manifest)
    meta = ddf._meta.copy()
    for name in geotarget.GEO_COLUMNS + ("geo_reject_reason",):
        meta[name] = pd.Series(dtype=np.float64 if name in ("geo_lat", "geo_lon", "geo_confidence") else object)
    return ddf.map_partitions(_map_partition, manifest, columns, meta=meta)


def _map_partition(df, manifest, columns):
    import geotarget

    geo, reasons = geotarget._map_frame(df, geodata_of(manifest), columns, "partition")
    out = df.copy()
    for name in geotarget.GEO_COLUMNS:
        out[name] = geo[name]
    out["geo_reject_reason"] = reasons
    return out


# ------------------------------------------------------------------ planning


def scan_block(path, cut, next_cut):
    """Where the first record at or after `cut` starts if no quoted field spans the line end
    before it, and the line ends in [cut, next_cut), counted as the engine's CSV reader counts
    them (LF, CRLF and a lone CR each end a line). Returns (start or None when no line ends in
    the block, line ends in [cut, start), line ends in [cut, next_cut))."""
    before = 1 if cut > 0 else 0
    with open(path, "rb") as f:
        f.seek(cut - before)
        data = f.read(next_cut - cut + before + 1)  # a byte before (a line end?), one after (CRLF?)
    n = next_cut - cut  # counted in place: no copy of the block
    ends = data.count(b"\n", before, before + n) + data.count(b"\r", before, before + n) - \
        data.count(b"\r\n", before, before + n + 1)
    if cut == 0:
        return 0, 0, ends
    i = data.find(b"\n")  # data[i] is the first line end: the record after it starts at cut + i
    cr = data.find(b"\r", 0, i if i >= 0 else len(data))
    if cr >= 0 and data[cr + 1:cr + 2] != b"\n":
        i = cr if cr + 1 < len(data) else -1  # a lone CR (unknown when the file goes on past data)
    if i < 0 or cut + i >= next_cut:
        return None, 0, ends
    return cut + i, (1 if i >= 1 else 0), ends


def plan_parts(path, scans):
    """Parts (begin, end, first_line) of a file from the scans of its blocks."""
    size = os.path.getsize(path)
    starts, lines = [], []
    ends_before = 0
    for start, lead, ends in scans:
        starts.append(start)
        lines.append(1 + ends_before + lead)
        ends_before += ends
    for k in range(len(starts) - 1, 0, -1):  # a block without a line end: its part is empty
        if starts[k] is None:
            starts[k] = starts[k + 1] if k + 1 < len(starts) else size
            lines[k] = lines[k + 1] if k + 1 < len(lines) else 1
    bounds = starts[1:] + [None]
    return [(starts[k], bounds[k], lines[k]) for k in range(len(starts))]


def block_cuts(size, blocksize):
    cuts = list(range(0, max(size, 1), blocksize))
    return list(zip(cuts, cuts[1:] + [size]))


# ------------------------------------------------------------------ mapping


def map_part(manifest, path, output, rejects, begin, end, first_line, header, threads):
    """Maps one part of `path` on this worker; the engine's summary (with first and next)."""
    index = geodata_of(manifest)
    return index._geodata.map_file(path, output, rejects, threads,
                                   begin=begin, end=end if end is not None else 2**64 - 1,
                                   first_line=first_line, header=header)


def _remove(paths):
    for p in paths:
        try:
            os.remove(p)
        except FileNotFoundError:
            pass


def map_files(client, inputs, out_dir, manifest, blocksize, threads=1, log=None):
    """Maps every input file in parts on the cluster of `client`. Returns the summary dict."""
    started = time.monotonic()
    os.makedirs(out_dir, exist_ok=True)
    _remove(glob.glob(os.path.join(out_dir, "part-*")) + glob.glob(os.path.join(out_dir, "rejects-*")))  # an earlier run's
    blocks = [(path, cut, next_cut) for path in inputs for cut, next_cut in block_cuts(os.path.getsize(path), blocksize)]
    scans = client.gather(client.map(scan_block, *zip(*blocks), pure=False)) if blocks else []
    parts = []
    for path in inputs:
        mine = [s for (p, _, _), s in zip(blocks, scans) if p == path]
        for k, (begin, end, first_line) in enumerate(plan_parts(path, mine)):
            parts.append({"input": path, "begin": begin, "end": end, "first_line": first_line, "header": k == 0})
    for n, part in enumerate(parts):
        part["output"] = os.path.join(out_dir, "part-%05d.csv" % n)
        part["rejects"] = os.path.join(out_dir, "rejects-%05d.csv" % n)

    def submit(part):
        return client.submit(map_part, manifest, part["input"], part["output"], part["rejects"], part["begin"], part["end"],
                             part["first_line"], part["header"], threads, pure=False)

    futures = [submit(p) for p in parts]
    results = [f.result() for f in futures]
    remapped = 0
    for k in range(1, len(parts)):
        if parts[k]["header"]:
            continue  # the first part of another file
        while tuple(results[k]["first"]) != tuple(results[k - 1]["next"]):
            offset, line = results[k - 1]["next"]
            part = parts[k]  # begins where the part before ended; empty when that is past its end
            part["begin"], part["first_line"] = offset, max(line, 1)
            if part["end"] is not None and part["end"] < offset:
                part["end"] = offset
            results[k] = submit(parts[k]).result()
            remapped += 1
    _remove(glob.glob(os.path.join(out_dir, "*.tmp-*")))  # left by a task on a killed worker
    seconds = time.monotonic() - started
    summary = {key: sum(r[key] for r in results) for key in ("rows_in", "rows_out", "rejected")}
    summary.update(parts=len(parts), remapped=remapped, seconds=seconds,
                   rows_per_second=summary["rows_in"] / seconds if seconds > 0 else 0.0)
    return summary


def describe(summary, out_dir):
    text = "%d rows in, %d rows out, %d rejected" % (summary["rows_in"], summary["rows_out"], summary["rejected"])
    if summary["rejected"]:
        text += " (see %s)" % os.path.join(out_dir, "rejects-*.csv")
    return text + "; %d parts (%d mapped again); %.2f s, %.0f rows/s" % (
        summary["parts"], summary["remapped"], summary["seconds"], summary["rows_per_second"])


# ------------------------------------------------------------------ command line


def _default_geodata():
    import geotarget

    return geotarget._geotarget.default_geodata


def _client(args):
    from dask.distributed import Client, LocalCluster

    if args.scheduler:
        return Client(args.scheduler), None
    cluster = LocalCluster(n_workers=args.workers or os.cpu_count(), threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    return Client(cluster), cluster


def main(argv=None):
    from dask.utils import parse_bytes

    parser = argparse.ArgumentParser(prog="python3 -m geotarget.dask", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    m = commands.add_parser("map", help="Map customer CSV files into places on a Dask cluster")
    m.add_argument("input_glob", help="Customer CSV file(s), a glob pattern; mapped in sorted order")
    m.add_argument("-o", "--output", required=True, help="Folder for part-NNNNN.csv and rejects-NNNNN.csv")
    m.add_argument("--geodata", help="Geodata manifest, readable at this path on every worker "
                   "(default: the source tree's geodata/default.yaml, as geotarget map)")
    m.add_argument("--scheduler", help="Address of a running dask-scheduler, e.g. tcp://10.0.0.5:8786 "
                   "(default: a local cluster)")
    m.add_argument("--blocksize", default="64MB", help="Bytes of input per part (default: 64MB)")
    m.add_argument("--workers", type=int, help="Worker processes of the local cluster (default: the cores)")
    m.add_argument("--threads", type=int, default=1,
                   help="Mapping threads per part in the engine (default: 1; a worker process maps one part at a time)")
    args = parser.parse_args(argv)
    try:
        blocksize = parse_bytes(args.blocksize)
    except ValueError as e:
        parser.error("--blocksize: %s" % e)
    if blocksize < 1:
        parser.error("--blocksize must be positive")
    inputs = sorted(os.path.abspath(p) for p in glob.glob(args.input_glob) if os.path.isfile(p))
    if not inputs:
        print("geotarget.dask: no file matches %s" % args.input_glob, file=sys.stderr)
        return 2
    manifest = os.path.abspath(args.geodata or _default_geodata())
    out_dir = os.path.abspath(args.output)
    client, cluster = _client(args)
    try:
        summary = map_files(client, inputs, out_dir, manifest, blocksize, args.threads)
    except Exception as e:  # geotarget.Error from a worker, or the cluster failing
        print("geotarget.dask: %s" % (getattr(e, "message", None) or e), file=sys.stderr)
        return 2
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    print("geotarget.dask map: %s" % describe(summary, out_dir), file=sys.stderr)
    return 1 if summary["rejected"] else 0


if __name__ == "__main__":
    # Run the module's own copy, not this __main__ one: tasks must name functions the workers
    # import (geotarget.dask.map_part), and their per-process index lives in that module.
    from geotarget.dask import main as module_main

    sys.exit(module_main())
