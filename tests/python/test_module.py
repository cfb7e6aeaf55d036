"""import geotarget: the pybind11 module against the engine's known answers and `geotarget map`."""

import io
import os
import pickle
import subprocess
import threading
import time
import unittest

import numpy as np
import pandas as pd

import geotarget
import support


class ModuleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.index = geotarget.PlaceIndex(support.MANIFEST)

    def test_locate_arrays_of_points(self):
        lat = np.array([40.7831, 34.0522, 0.0, 95.0, np.nan])
        lon = np.array([-73.9712, -118.2437, -30.0, 10.0, 1.0])
        found = self.index.locate(lat, lon, names=True)
        self.assertEqual(list(found["country"]), ["US", "US", None, None, None])
        self.assertEqual(list(found["region"][:2]), ["US-NY", "US-CA"])
        self.assertEqual(list(found["district"][:2]), ["US-36061", "US-06037"])  # New York and Los Angeles counties
        self.assertEqual(found["district_name"][1], "Los Angeles")
        self.assertEqual(found["postal"][0], "US-ZIP-10024")
        self.assertEqual(list(found["status"]), ["ok", "ok", "ok", "invalid_latitude", "invalid_latitude"])
        numbers = self.index.locate(lat[:1], lon[:1], ids=False)
        self.assertEqual(numbers["country"].dtype, np.int32)
        self.assertEqual(self.index.place_ids()[numbers["district"][0]], "US-36061")
        self.assertEqual(self.index.locate([], [])["country"].shape, (0,))
        # New York City Hall: Financial District, GeoNames 8436473, 0.59 km by cities1000's points.
        hall = self.index.locate([40.7128, 48.8566], [-74.0060, 2.3522], names=True)
        self.assertEqual(list(hall["town"]), ["GN-5128581", "GN-2988507"])
        self.assertEqual(hall["neighbourhood"][0], "GN-8436473")
        self.assertEqual(hall["neighbourhood_name"][0], "Financial District")
        self.assertIsNone(hall["neighbourhood"][1])  # central Paris: no section within 2.5 km
        self.assertEqual(geotarget.GEO_COLUMNS[5:], ("geo_town", "geo_postal", "geo_match", "geo_confidence",
                                                     "geo_neighbourhood", "geo_reason"))

    def test_locate_releases_the_gil(self):
        # Another Python thread keeps running while locate works through a large array: its rate
        # during the call is of the order of its rate during a sleep (which releases the GIL);
        # were the GIL held, it could run only in the few milliseconds around the call.
        rng = np.random.default_rng(7)
        lat, lon = rng.uniform(25, 49, 3_000_000), rng.uniform(-124, -67, 3_000_000)
        count, stop = [0], threading.Event()

        def spin():
            while not stop.is_set():
                count[0] += 1

        def rate(call):
            before, t = count[0], time.perf_counter()
            call()
            return (count[0] - before) / (time.perf_counter() - t)

        thread = threading.Thread(target=spin)
        thread.start()
        try:
            during_sleep = rate(lambda: time.sleep(0.3))
            during_locate = rate(lambda: self.index.locate(lat, lon, ids=False))
        finally:
            stop.set()
            thread.join()
        self.assertGreater(during_locate, 0.25 * during_sleep)

    def test_an_index_is_never_pickled(self):
        with self.assertRaises(TypeError):
            pickle.dumps(self.index._geodata)

    def test_geocode(self):
        g = geotarget.Gazetteer(self.index)
        found = g.geocode(["45 oak ave, Cañon City CO 81212-1234", "Springfield", "nowhere at all zzz"])
        self.assertEqual(found["match"][0], "postal")
        self.assertEqual(found["place"][0], "US-ZIP-81212")
        self.assertAlmostEqual(found["confidence"][0], 0.98)  # ZIP, town and state agree
        self.assertEqual(found["match"][1], "country")  # Springfield in 30 states: not guessed
        self.assertEqual(found["match"][2], "none")
        self.assertTrue(np.isnan(found["lat"][2]))
        self.assertIsNone(found["place"][2])
        self.assertIsNone(found["reason"][0])  # the ZIP decided
        # 80331 is central Munich's postcode; postal codes ship for the US only.
        munich = g.geocode(["Marienplatz 8, 80331 München, Deutschland"])
        self.assertEqual(munich["match"][0], "town")
        self.assertIn("no postal data for this country", munich["reason"][0])

    def test_ip_lookup(self):
        r = geotarget.IpResolver(support.DEMO_DB)
        found = r.lookup(["66.0.12.34", "not-an-ip", "10.1.2.3", "66.0.12.35"])
        self.assertEqual(list(found["status"]), ["found", "invalid_ip", "special_range", "found"])
        self.assertEqual(found["city"][0], "New York")
        self.assertEqual(found["country"][0], "US")
        self.assertAlmostEqual(found["lat"][0], 40.7831)
        self.assertEqual(found["prefix_length"][0], 16)
        self.assertEqual(found["precision"][0], "city")  # a city and coordinates, no radius
        self.assertIsNone(found["precision"][1])
        self.assertIsNone(found["city"][1])
        self.assertTrue(np.isnan(found["lat"][1]))
        both = geotarget.IpResolver([support.DEMO_DB, support.DEMO_DB]).lookup(["66.0.12.34"])
        self.assertEqual(both["city"][0], "New York")

    def test_map_dataframe_gives_what_geotarget_map_writes(self):
        folder = support.fresh_dir("map_dataframe")
        sample = os.path.join(folder, "customers.csv")
        with open(support.CUSTOMERS, "rb") as f:
            lines = f.read().split(b"\n")
        bad = [b"X1,x@example.com,gold,1,1.00,low,,,,,,,91.5,10", b"X2,y@example.com,gold,1,1.00,low,,,,,,,40.1,"]
        with open(sample, "wb") as f:
            f.write(b"\n".join(lines[:2001] + bad) + b"\n")
        status, _ = support.geotarget_map(sample, os.path.join(folder, "mapped.csv"))
        self.assertEqual(status, 1)  # rows were rejected
        expected = pd.read_csv(os.path.join(folder, "mapped.csv"), dtype=str, keep_default_na=False)
        expected_rejects = pd.read_csv(os.path.join(folder, "mapped.csv.rejects.csv"), dtype=str, keep_default_na=False)

        df = pd.read_csv(sample, dtype=str, keep_default_na=False)
        mapped, rejects = geotarget.map_dataframe(df, self.index)
        self.assertEqual(len(mapped), len(expected))
        self.assertEqual(list(mapped.columns), list(expected.columns))
        for name in ("geo_country", "geo_region", "geo_district", "geo_town", "geo_postal", "geo_neighbourhood",
                     "geo_reason"):
            self.assertEqual([v or "" for v in mapped[name]], list(expected[name]), name)
        self.assertEqual(list(mapped["geo_match"]), list(expected["geo_match"]))
        for name in ("geo_lat", "geo_lon"):
            text = expected[name].replace("", "nan").astype(float)
            np.testing.assert_array_equal(mapped[name].to_numpy(), text.to_numpy())
        self.assertEqual(["%.2f" % v for v in mapped["geo_confidence"]], list(expected["geo_confidence"]))
        self.assertEqual(list(rejects["geo_reject_reason"]), list(expected_rejects["reason"]))
        self.assertEqual(list(rejects["customer_id"]), [raw.split(",")[0] for raw in expected_rejects["raw"]])
        self.assertEqual(list(rejects["customer_id"][-2:]), ["X1", "X2"])

    def test_map_dataframe_of_numbers_and_missing_values(self):
        df = pd.DataFrame({"LAT": [40.7831, np.nan, 200.0], "Lon": [-73.9712, np.nan, 0.0], "n": [1, 2, 3]})
        mapped, rejects = geotarget.map_dataframe(df, self.index)
        self.assertEqual(list(mapped["n"]), [1, 2])
        self.assertEqual(list(mapped["geo_district"]), ["US-36061", None])
        self.assertEqual(list(mapped["geo_match"]), ["coordinates", "none"])
        self.assertEqual(list(rejects.index), [2])
        self.assertIn("200", rejects["geo_reject_reason"][2])
        mapped, _ = geotarget.map_dataframe(df.rename(columns={"LAT": "y", "Lon": "x"}), self.index,
                                            columns={"lat": "y", "lon": "x"})
        self.assertEqual(mapped["geo_country"].iloc[0], "US")

    def test_errors_carry_the_engine_code_and_message(self):
        with self.assertRaises(geotarget.Error) as e:
            geotarget.PlaceIndex("/nonexistent/geodata.yaml")
        self.assertIn(e.exception.code, ("io", "invalid_input"))
        self.assertIn("/nonexistent/geodata.yaml", e.exception.message)
        with self.assertRaises(geotarget.Error) as e:
            geotarget.map_dataframe(pd.DataFrame({"name": ["a"]}), self.index, source="people")
        self.assertEqual(e.exception.code, "invalid_input")
        self.assertEqual(e.exception.message, "people:1: no location column (lat/lon, address, city, state, zip or country)")
        with self.assertRaises(geotarget.Error) as e:
            geotarget.map_dataframe(pd.DataFrame({"lat": [1.0]}), self.index, columns={"lon": "x"})
        self.assertEqual(e.exception.message, "dataframe:1: no column 'x'")
        with self.assertRaises(geotarget.Error) as e:
            geotarget.IpResolver(support.CUSTOMERS)
        self.assertEqual(e.exception.code, "invalid_input")
        self.assertIn("customers.csv", str(e.exception))

    def test_allocate_and_report(self):
        folder = support.fresh_dir("allocate_report")
        df = pd.read_csv(support.CUSTOMERS, dtype=str, keep_default_na=False, nrows=5000)
        mapped, _ = geotarget.map_dataframe(df, self.index)
        campaigns = geotarget.allocate(support.CAMPAIGNS, mapped, self.index, os.path.join(folder, "alloc.json"))
        self.assertGreater(len(campaigns), 0)
        for c in campaigns:
            self.assertLessEqual(c["unspent_cents"], c["budget_cents"])
        self.assertTrue(os.path.exists(os.path.join(folder, "alloc.csv")))
        # The same allocation as `geotarget allocate` on the same rows written by geotarget map.
        mapped_csv = os.path.join(folder, "mapped.csv")
        with open(os.path.join(folder, "in.csv"), "w") as f:
            df.to_csv(f, index=False)
        support.geotarget_map(os.path.join(folder, "in.csv"), mapped_csv)
        subprocess.run([support.CLI, "allocate", "--campaigns", support.CAMPAIGNS, "--customers", mapped_csv,
                        "--geodata", support.MANIFEST, "-o", os.path.join(folder, "cli.json")], check=True,
                       capture_output=True)
        self.assertEqual(support.read(os.path.join(folder, "alloc.csv")), support.read(os.path.join(folder, "cli.csv")))
        summary = geotarget.report(os.path.join(folder, "alloc.json"), os.path.join(folder, "report"))
        self.assertEqual(summary["campaigns"], len(campaigns))
        self.assertGreater(os.path.getsize(os.path.join(folder, "report", "report.html")), 1000)


class InstallTest(unittest.TestCase):
    def test_the_installed_package_imports_and_answers(self):
        prefix = support.fresh_dir("install")
        subprocess.run(["cmake", "--install", support.BINARY_DIR, "--prefix", prefix], check=True, capture_output=True)
        site = os.path.join(prefix, "lib", "python3", "dist-packages")
        code = ("import geotarget, geotarget.dask; print(geotarget.__file__); "
                "print(geotarget.PlaceIndex(%r).locate([40.7831], [-73.9712])['district'][0])" % support.MANIFEST)
        env = dict(os.environ, PYTHONPATH=site)
        out = subprocess.run([support.PYTHON, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
        where, district = out.split()
        self.assertTrue(where.startswith(site), where)
        self.assertEqual(district, "US-36061")


if __name__ == "__main__":
    unittest.main()
