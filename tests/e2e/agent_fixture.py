"""Starts and stops a real `sluice agent` for an end-to-end test.

Each agent gets free loopback ports and its own temporary data directory. The binary comes from
`--sluice PATH` on the command line, else $SLUICE_BIN, else build/sluice in the repository.
"""

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SKIP = 77  # CTest's SKIP_RETURN_CODE for these tests: a client library is not installed.
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sluice_binary():
    args = sys.argv[1:]
    if "--sluice" in args:
        return args[args.index("--sluice") + 1]
    return os.environ.get("SLUICE_BIN") or os.path.join(REPO_ROOT, "build", "sluice")


def free_port():
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_module(name):
    """Imports a client library or exits with SKIP when it is not installed."""
    try:
        return __import__(name)
    except ImportError as e:
        print(f"SKIP: python module {name} not available ({e}); scripts/install-deps.sh --test")
        sys.exit(SKIP)


class Agent:
    """One agent process. Use as a context manager, or call start()/stop()."""

    def __init__(self, extra_args=(), data_dir=None, kafka_port=None, http_port=None,
                 command="agent", env=None):
        self.binary = sluice_binary()
        self.command = command
        self.extra_args = list(extra_args)
        # Logs go next to the data directory, never into it: it belongs to the agent.
        self.work_dir = tempfile.mkdtemp(prefix="sluice-e2e-")
        atexit.register(self.cleanup)  # also when a test forgets to, or fails before it does
        self.data_dir = data_dir or os.path.join(self.work_dir, "data")
        self.kafka_port = kafka_port or free_port()
        self.http_port = http_port or free_port()
        self.env = env
        self.proc = None
        self.log_path = None
        self.starts = 0

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.kafka_port}"

    def args(self):
        args = [self.binary, self.command, "-kafkaPort", str(self.kafka_port),
                "-httpPort", str(self.http_port), "-advertiseHostname", "127.0.0.1",
                "-batchTimeout", "5ms"]
        if self.command == "agent":
            args += ["-dataDir", self.data_dir]
        return args + self.extra_args

    def start(self, timeout=30.0):
        if not os.access(self.binary, os.X_OK):
            raise RuntimeError(f"sluice binary not found at {self.binary}")
        self.starts += 1
        self.log_path = os.path.join(self.work_dir, f"agent-{self.starts}.log")
        log = open(self.log_path, "wb")
        env = dict(os.environ, **(self.env or {}))
        self.proc = subprocess.Popen(self.args(), stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        self.wait_ready(timeout)
        return self

    def status(self):
        """GET /v1/status -> (http status, parsed JSON or None)."""
        url = f"http://127.0.0.1:{self.http_port}/v1/status"
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, None

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"agent exited with {self.proc.returncode} before ready\n{self.log_tail()}")
            try:
                code, _ = self.status()
                if code == 200:
                    return
                last_error = f"HTTP {code}"
            except (OSError, ValueError) as e:  # refused, reset, or not JSON yet
                last_error = repr(e)
            time.sleep(0.05)
        self._kill_if_running()
        raise RuntimeError(f"agent not ready after {timeout}s ({last_error})\n{self.log_tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20.0):
        """SIGTERM, wait for a graceful exit; returns the exit code (SIGKILL after timeout)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError(f"agent ignored SIGTERM for {timeout}s\n{self.log_tail()}")
        return self.proc.returncode

    def kill(self):
        """SIGKILL: the agent dies without deregistering or flushing."""
        self._kill_if_running()

    def metrics(self):
        """GET /metrics -> {"name{labels}": value} for every sample line."""
        url = f"http://127.0.0.1:{self.http_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as resp:
            text = resp.read().decode()
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                samples[name] = float(value)
        return samples

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace").splitlines()
            return "--- agent log (tail) ---\n" + "\n".join(text[-lines:])
        except OSError:
            return "(no agent log)"

    def cleanup(self):
        self._kill_if_running()
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def _kill_if_running(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            print(self.log_tail(), file=sys.stderr)
        self._kill_if_running() if exc_type is not None else self.stop()
        self.cleanup()
        return False


def cluster_backend_args(tag):
    """-metadataURL/-bucketURL for agents sharing PostgreSQL and the S3 test server, under a
    bucket prefix of their own; exits with SKIP outside scripts/with-postgres.sh and
    scripts/with-s3rver.sh."""
    pg = os.environ.get("SLUICE_TEST_POSTGRES_URL")
    endpoint = os.environ.get("SLUICE_TEST_S3_ENDPOINT")
    bucket = os.environ.get("SLUICE_TEST_S3_BUCKET")
    if not (pg and endpoint and bucket):
        print("SKIP: run inside scripts/with-postgres.sh scripts/with-s3rver.sh")
        sys.exit(SKIP)
    # A database of its own, so agents of tests running at the same time never meet.
    database = f"{tag}_{os.getpid()}".replace("-", "_").lower()
    base, _, query = pg.partition("?")
    own_url = base.rsplit("/", 1)[0] + "/" + database + ("?" + query if query else "")
    created = subprocess.run(["psql", pg, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                              f"CREATE DATABASE {database}"], capture_output=True, text=True)
    if created.returncode != 0:
        raise RuntimeError(f"cannot create database {database}: {created.stderr}")
    prefix = f"{tag}-{os.getpid()}/"
    bucket_url = (f"s3://{bucket}?endpoint={endpoint}&s3ForcePathStyle=true&region=us-east-1"
                  f"&prefix={prefix}")
    return ["-metadataURL", own_url, "-bucketURL", bucket_url]


def check(condition, message):
    """Assert that survives `python3 -O` and says what a user would have seen."""
    if not condition:
        raise AssertionError(message)


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def run_with_agent(name, extra_args, *steps):
    """Runs each step(agent) against one fresh agent, checks a clean SIGTERM exit, prints PASS.

    On failure the agent's log tail is printed and the exception propagates. On success the
    process leaves with os._exit(0): Debian's confluent-kafka can abort at interpreter exit after
    all work is done.
    """
    agent = Agent(extra_args=extra_args)
    try:
        agent.start()
        for step in steps:
            step(agent)
        check(agent.stop() == 0, "agent exit code after SIGTERM")
        print(f"PASS {name}")
    except BaseException:
        print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        agent.cleanup()
    sys.stdout.flush()
    os._exit(0)
