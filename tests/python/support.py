"""Paths and helpers shared by the Python tests (ctest sets the environment: tests/CMakeLists.txt)."""

import os
import shutil
import socket
import subprocess
import sys

SOURCE_DIR = os.environ["GEOTARGET_SOURCE_DIR"]
BINARY_DIR = os.environ["GEOTARGET_BINARY_DIR"]
CLI = os.environ["GEOTARGET_CLI"]
MANIFEST = os.path.join(SOURCE_DIR, "geodata", "default.yaml")
DEMO_DB = os.path.join(BINARY_DIR, "geodata", "demo-ip.mmdb")
CUSTOMERS = os.path.join(SOURCE_DIR, "geodata", "samples", "customers.csv")
CAMPAIGNS = os.path.join(SOURCE_DIR, "geodata", "samples", "campaigns.yaml")
PYTHON = sys.executable


def fresh_dir(name):
    path = os.path.join(BINARY_DIR, "tests", "tmp", "python", name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


def geotarget_map(input_path, output):
    """`geotarget map` itself: the answer the Python side must give. Returns (exit status, stderr)."""
    r = subprocess.run([CLI, "map", input_path, "-o", output, "--geodata", MANIFEST], capture_output=True, text=True)
    return r.returncode, r.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
