"""python3 -m geotarget.dask map: byte for byte what `geotarget map` writes, on a local cluster
and on a real dask-scheduler with two dask-worker processes, one of them killed mid-job."""

import glob
import os
import signal
import subprocess
import time
import unittest

import support


def tricky_input(folder):
    """3,000 sample customers with rows that trouble a cut at line ends: quoted fields holding LF,
    CRLF and lone CR line ends (one of 40 lines, where cuts fall), blank lines, rejects of every
    kind, CRLF rows."""
    with open(support.CUSTOMERS, "rb") as f:
        header, *rows = f.read().split(b"\n")[:3001]
    letter = b'a long letter, line %d, with a comma, and ""quotes"" that fill the line up\n'
    extra = [
        b'Q0,q@example.com,gold,1,1.00,low,"' + b"".join(letter % i for i in range(40)) + b'",,,,,,40.7831,-73.9712',
        b'Q1,q@example.com,gold,1,1.00,low,"multi\nline\n\naddress",,,,,,40.7831,-73.9712',
        b'Q2,q@example.com,gold,1,1.00,low,"crlf\r\ninside",,Boston,MA,,,,\r',
        b'Q3,q@example.com,gold,1,1.00,low,"lone\rcr",,,,,,,\r',
        b"",
        b'R1,r@example.com,gold,1,1.00,low,,,,,,,91,10',
        b'R2,r@example.com,gold,1,1.00,low,,,,,,,40.7831,',
        b'R3,r@example.com,gold,1,1.00,"stray"quote,,,,,,,,',
        b"R4,too,few,fields",
        b'R5,r@example.com,gold,1,1.00,low,"""quoted"" text",,,,,,34.05,-118.24',
    ]
    out = [header]
    for i, row in enumerate(rows):
        out.append(row)
        if i % 97 == 0:
            out.extend(extra)
    path = os.path.join(folder, "customers.csv")
    with open(path, "wb") as f:
        f.write(b"\n".join(out) + b"\n")
    return path


class DaskMapTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = support.fresh_dir("dask")
        cls.input = tricky_input(cls.folder)
        cls.expected = os.path.join(cls.folder, "expected.csv")
        status, cls.cli_summary = support.geotarget_map(cls.input, cls.expected)
        assert status == 1, cls.cli_summary  # the input has rejects

    def run_driver(self, out, *flags, blocksize="16KB"):
        r = subprocess.run([support.PYTHON, "-m", "geotarget.dask", "map", self.input, "-o", out,
                            "--geodata", support.MANIFEST, "--blocksize", blocksize, *flags],
                           capture_output=True, text=True, timeout=300)
        return r

    def assert_same_as_geotarget_map(self, out):
        outputs = sorted(glob.glob(os.path.join(out, "part-*.csv")))
        rejects = sorted(glob.glob(os.path.join(out, "rejects-*.csv")))
        self.assertGreater(len(outputs), 10)  # the file really was cut
        self.assertEqual([p[-9:] for p in outputs], [p[-9:] for p in rejects])  # NNNNN.csv: one of each per part
        self.assertEqual(sorted(os.listdir(out)), sorted(os.path.basename(p) for p in outputs + rejects))
        self.assertEqual(b"".join(support.read(p) for p in outputs), support.read(self.expected))
        self.assertEqual(b"".join(support.read(p) for p in rejects), support.read(self.expected + ".rejects.csv"))

    def assert_summary(self, stderr):
        # "30... rows in, ... rows out, N rejected" as geotarget map counts them
        counts = self.cli_summary.split("geotarget map: ")[1].split(" (see")[0].split(";")[0]
        self.assertIn(counts, stderr)
        self.assertIn("rows/s", stderr)

    def test_local_cluster(self):
        out = os.path.join(self.folder, "local")
        # Blocks of 2,500 bytes: the quoted field of 40 lines (3,000 bytes) spans whole blocks.
        r = self.run_driver(out, "--workers", "2", blocksize="2500")
        self.assertEqual(r.returncode, 1, r.stderr)  # rows were rejected, as with geotarget map
        self.assert_summary(r.stderr)
        # Some blocks were cut inside the long quoted field: their parts were mapped again.
        self.assertRegex(r.stderr, r"\(([1-9][0-9]*) mapped again\)")
        self.assert_same_as_geotarget_map(out)

    def test_an_engine_error_on_a_worker_is_the_drivers_error(self):
        bad = os.path.join(self.folder, "no-location.csv")
        with open(bad, "w") as f:
            f.write("name,x\na,1\n")
        r = subprocess.run([support.PYTHON, "-m", "geotarget.dask", "map", bad, "-o", os.path.join(self.folder, "bad"),
                            "--geodata", support.MANIFEST, "--workers", "1"], capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 2)
        self.assertIn("geotarget.dask: %s:1: no location column (lat/lon, address, city, state, zip or country)\n" % bad,
                      r.stderr)

    def test_a_dask_dataframe_mapped_on_workers(self):
        import dask.dataframe as dd
        import pandas as pd
        from dask.distributed import Client, LocalCluster

        import geotarget
        import geotarget.dask

        columns = dict(dtype=str, keep_default_na=False)
        expected, _ = geotarget.map_dataframe(pd.read_csv(support.CUSTOMERS, nrows=4000, **columns),
                                              geotarget.PlaceIndex(support.MANIFEST))
        # Workers as threads of this process (worker processes are the other tests' business).
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
                Client(cluster):
            ddf = dd.from_pandas(pd.read_csv(support.CUSTOMERS, nrows=4000, **columns), npartitions=5)
            got = geotarget.dask.map_dask_dataframe(ddf, support.MANIFEST).compute()
        self.assertEqual(len(got), 4000)
        mapped = got[got["geo_reject_reason"].isna()].drop(columns="geo_reject_reason")
        pd.testing.assert_frame_equal(mapped, expected)

    def test_scheduler_and_two_workers_one_killed_mid_job(self):
        from dask.distributed import Client

        port = support.free_port()
        address = "tcp://127.0.0.1:%d" % port
        env = dict(os.environ)
        procs = [subprocess.Popen(["dask-scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        try:
            for _ in range(2):
                procs.append(subprocess.Popen(
                    ["dask-worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                     "--no-nanny", "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            watcher = Client(address, timeout=60)
            watcher.wait_for_workers(2, timeout=60)

            out = os.path.join(self.folder, "cluster")
            r = self.run_driver(out, "--scheduler", address)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assert_summary(r.stderr)
            self.assert_same_as_geotarget_map(out)
            # Each worker process loaded the index once and keeps it: the same object in a second job.
            import geotarget.dask  # noqa: F401 (the module the workers run)
            loaded = watcher.run(lambda: {m: id(g) for m, g in __import__("geotarget.dask").dask._geodata.items()})
            self.assertEqual(len(loaded), 2)
            for held in loaded.values():
                self.assertEqual(list(held), [support.MANIFEST])

            # Again, and one worker killed while it has parts to map: they are mapped again elsewhere.
            # Small blocks (150 parts) keep the job long enough to see a worker with parts.
            pids = watcher.run(os.getpid)
            out = os.path.join(self.folder, "killed")
            driver = subprocess.Popen([support.PYTHON, "-m", "geotarget.dask", "map", self.input, "-o", out,
                                       "--geodata", support.MANIFEST, "--blocksize", "2500", "--scheduler", address],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            victim = None
            deadline = time.monotonic() + 120
            while victim is None and time.monotonic() < deadline and driver.poll() is None:
                for worker, keys in watcher.processing().items():
                    if any(str(k).startswith("map_part") for k in keys):
                        victim = worker
                        break
                time.sleep(0.005)
            self.assertIsNotNone(victim, "no worker was seen mapping a part")
            os.kill(pids[victim], signal.SIGKILL)
            _, stderr = driver.communicate(timeout=300)
            self.assertEqual(driver.returncode, 1, stderr)
            self.assertEqual(len(watcher.scheduler_info()["workers"]), 1)  # it is really gone
            self.assert_summary(stderr)
            self.assert_same_as_geotarget_map(out)
            self.assertEqual(watcher.run(lambda: {m: id(g) for m, g in __import__("geotarget.dask").dask._geodata.items()}),
                             {w: ids for w, ids in loaded.items() if w != victim})
            watcher.close()
        finally:
            for p in reversed(procs):
                p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


if __name__ == "__main__":
    unittest.main()
