#!/usr/bin/env python3
"""Soak of `rawtls serve` under mixed, bounded load on 127.0.0.1 (started by bench/soak/run.sh).

Load, all at once for --duration (default 10 minutes):
  * full handshakes: hey -disable-keepalive, rate-limited (--hey-rate requests/s in total);
  * keep-alive: wrk bursts (--wrk-burst seconds every --wrk-every seconds, -t1 -c4);
  * staple swaps: the dev OCSP responder issues short-lived responses (--validity), so the stapler keeps
    refreshing; every certificate rotation also brings a new staple;
  * certificate rotations: a new leaf is written over the served files every --rotate-every seconds, and every
    --warmup-rotate-every seconds during the warm-up, so that the rotation path is past tiered compilation (a method
    is recompiled after 30 calls) before memory is measured;
  * a flaky responder: a proxy in front of the OCSP responder fails every third request
    (in turn: HTTP 500, a dropped connection, OCSP tryLater).
Every 5 s the script samples the server (RSS, threads and open handles from /proc, RSS split by owner from
/proc/PID/smaps; from dotnet-counters when installed: the GC heap after the last collection, GC committed memory and
the collection counts, since that heap size only changes when a collection runs) and probes the staple with `openssl s_client -status`: a staple served
before thisUpdate - skew or after nextUpdate - margin counts as outside its window, as does one for
another serial than the served leaf.
Writes perf-results/soak-<stamp>.md, .svg (chart) and .csv (samples). Standard library only.
"""

import argparse
import csv
import datetime as dt
import http.client
import http.server
import os
import re
import signal
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RAWTLS = os.path.join(ROOT, "src/RawTls.Cli/bin/Release/net10.0/RawTls.Cli")
EXPIRY_MARGIN_S = 60  # StaplingOptions.ExpiryMargin default; the server uses at most a tenth of the validity window
CLOCK_SKEW_S = 300  # StaplingOptions.ClockSkew default
TRY_LATER = bytes([0x30, 0x03, 0x0A, 0x01, 0x03])

_children = []


def log(msg):
    print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, **kw):
    p = subprocess.Popen(args, **kw)
    _children.append(p)
    return p


def stop_all():
    for p in _children:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def wait_port(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"port {port} did not open")


class FlakyProxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def __init__(self, port, upstream):
        super().__init__(("127.0.0.1", port), FlakyHandler)
        self.upstream = upstream
        self.count = 0
        self.failures = {"http500": 0, "drop": 0, "tryLater": 0}
        self.forwarded = 0
        self.lock = threading.Lock()


class FlakyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _handle(self):
        body = b""
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            body = self.rfile.read(n)
        srv = self.server
        with srv.lock:
            srv.count += 1
            k = srv.count
        if k % 3 == 0:
            mode = ("http500", "drop", "tryLater")[(k // 3) % 3]
            with srv.lock:
                srv.failures[mode] += 1
            if mode == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            payload = b"upstream failure\n" if mode == "http500" else TRY_LATER
            self.send_response(500 if mode == "http500" else 200)
            self.send_header("Content-Type", "text/plain" if mode == "http500" else "application/ocsp-response")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        conn = http.client.HTTPConnection("127.0.0.1", srv.upstream, timeout=10)
        try:
            headers = {k2: v for k2, v in self.headers.items() if k2.lower() in ("content-type",)}
            conn.request(self.command, self.path, body=body if self.command == "POST" else None, headers=headers)
            r = conn.getresponse()
            data = r.read()
            with srv.lock:
                srv.forwarded += 1
            self.send_response(r.status)
            self.send_header("Content-Type", r.getheader("Content-Type", "application/ocsp-response"))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        finally:
            conn.close()

    do_GET = _handle
    do_POST = _handle


def parse_openssl_time(s):
    # "Dec  1 21:40:00 2026 GMT"
    return dt.datetime.strptime(" ".join(s.split()), "%b %d %H:%M:%S %Y GMT").replace(tzinfo=dt.timezone.utc)


class Probe:
    """openssl s_client -status: is the staple inside its window and for the served leaf?"""

    def __init__(self, port, ca):
        self.port, self.ca = port, ca
        self.probes = self.stapled = self.unstapled = self.outside = self.mismatched = self.failed = 0
        self.serials = set()
        self.staples = set()
        self.notes = []

    def run(self):
        self.probes += 1
        try:
            out = subprocess.run(
                ["openssl", "s_client", "-connect", f"127.0.0.1:{self.port}", "-servername", "localhost",
                 "-status", "-CAfile", self.ca],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=15).stdout
        except subprocess.TimeoutExpired:
            self.failed += 1
            return
        now = dt.datetime.now(dt.timezone.utc)
        m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
        if not m:
            self.failed += 1
            self.notes.append(f"{now:%H:%M:%S} no certificate in s_client output")
            return
        leaf_serial = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=m.group(0),
                                     capture_output=True, text=True).stdout.strip().split("=")[-1].upper()
        self.serials.add(leaf_serial)
        if "OCSP response: no response sent" in out or "OCSP Response Status" not in out:
            self.unstapled += 1
            return
        self.stapled += 1
        tu = re.search(r"This Update: (.+)", out)
        nu = re.search(r"Next Update: (.+)", out)
        sn = re.search(r"Serial Number: ([0-9A-Fa-f]+)", out)
        if not (tu and nu and sn):
            self.outside += 1
            self.notes.append(f"{now:%H:%M:%S} staple without thisUpdate/nextUpdate/serial")
            return
        this_update, next_update = parse_openssl_time(tu.group(1)), parse_openssl_time(nu.group(1))
        self.staples.add((sn.group(1).upper(), this_update))
        # The server's drop margin for this staple: a tenth of its own window (the responder backdates thisUpdate, so
        # the window is longer than --validity), at most the default expiry margin. openssl prints whole seconds:
        # allow 1 s for the truncation.
        margin = min(dt.timedelta(seconds=EXPIRY_MARGIN_S), (next_update - this_update) / 10)
        if now < this_update - dt.timedelta(seconds=CLOCK_SKEW_S) or \
                now > next_update - margin + dt.timedelta(seconds=1):
            self.outside += 1
            self.notes.append(f"{now:%H:%M:%S} staple [{this_update:%H:%M:%S}, {next_update:%H:%M:%S}] outside its window")
        if sn.group(1).upper().lstrip("0") != leaf_serial.lstrip("0"):
            self.mismatched += 1
            self.notes.append(f"{now:%H:%M:%S} staple for serial {sn.group(1)} on leaf {leaf_serial}")


ARENA = 64 * 1024 * 1024  # glibc's per-thread malloc heaps are 64 MiB-aligned mappings of at most 64 MiB


def sample_smaps(pid):
    """Resident MB by owner: anonymous memory (the GC heap, thread stacks, large mallocs), glibc malloc arenas ([heap]
    and the 64 MiB-aligned thread arenas), and mapped files with JIT code (the runtime's double-mapped memfd)."""
    anon = malloc = mapped = 0
    start = end = 0
    name = ""
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                head = line.split(" ", 1)[0]
                if "-" in head and not head.endswith(":"):
                    fields = line.split()
                    a, b = fields[0].split("-")
                    start, end = int(a, 16), int(b, 16)
                    name = fields[5] if len(fields) > 5 else ""
                elif line.startswith("Rss:"):
                    kb = int(line.split()[1])
                    if name == "[heap]" or (not name and end - start <= ARENA and start % ARENA == 0):
                        malloc += kb
                    elif name.startswith("/") or "doublemapper" in name:
                        mapped += kb
                    else:
                        anon += kb
    except OSError:
        return None, None, None
    return anon / 1024, malloc / 1024, mapped / 1024


def sample_proc(pid):
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            status[k] = v.strip()
    rss_mb = int(status["VmRSS"].split()[0]) / 1024
    threads = int(status["Threads"])
    handles = len(os.listdir(f"/proc/{pid}/fd"))
    return rss_mb, threads, handles


class Counters:
    """GC heap from dotnet-counters (optional): a CSV it appends to every 5 s."""

    def __init__(self, pid, path):
        self.path = path
        tool = os.environ.get("DOTNET_COUNTERS") or shutil_which("dotnet-counters")
        self.available = tool is not None
        if self.available:
            start([tool, "collect", "-p", str(pid), "--format", "csv", "-o", path, "--refresh-interval", "5",
                   "--counters", "System.Runtime"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def latest(self):
        """(GC heap MB after the last collection, GC committed MB, gen0, gen1, gen2 collections so far), or Nones.
        The heap size is what the last collection left (gen0 is empty after one): it moves only when a collection
        runs, so the collection counts go with it to show whether it is a fresh reading."""
        none = (None, None, None, None, None)
        if not self.available or not os.path.exists(self.path):
            return none
        # .NET 10 meter rows: timestamp, provider, "name (unit) [tags]" or "name (unit)", type, value.
        rows = {}
        try:
            with open(self.path) as f:
                for row in csv.reader(f):
                    if len(row) < 5:
                        continue
                    try:
                        v = float(row[4])
                    except ValueError:
                        continue
                    d = rows.setdefault(row[0], {})
                    name = row[2]
                    if name.startswith("dotnet.gc.last_collection.heap.size "):
                        d["heap"] = d.get("heap", 0.0) + v
                    elif name.startswith("dotnet.gc.last_collection.memory.committed_size "):
                        d["committed"] = v
                    elif name.startswith("dotnet.gc.collections "):
                        for gen in ("gen0", "gen1", "gen2"):
                            if f"={gen}" in name:
                                d[gen] = d.get(gen, 0.0) + v
        except OSError:
            return none
        # The newest timestamp may be half written (one row per generation): take the one before it.
        stamps = sorted(rows, key=lambda k: dt.datetime.strptime(k, "%m/%d/%Y %H:%M:%S"))
        if len(stamps) < 2:
            return none
        d = rows[stamps[-2]]
        if not d.get("heap"):
            return none  # no collection yet: nothing measured
        # Collections are reported as rates per refresh interval; add them up to date.
        counts = []
        for gen in ("gen0", "gen1", "gen2"):
            counts.append(int(round(sum(rows[k].get(gen, 0.0) for k in stamps[:-1]))))
        return (d["heap"] / (1024 * 1024), d.get("committed", 0.0) / (1024 * 1024) or None, *counts)


def take_sample(pid, counters, t):
    rss, threads, handles = sample_proc(pid)
    heap, committed, g0, g1, g2 = counters.latest()
    return (t, rss, heap, handles, threads, committed, g0, g1, g2, *sample_smaps(pid))


def shutil_which(name):
    import shutil
    return shutil.which(name)


def run_hey(port, seconds, rate, conc, out):
    per_worker = max(1, rate // conc)
    return start(["hey", "-z", f"{seconds}s", "-c", str(conc), "-q", str(per_worker), "-disable-keepalive",
                  f"https://127.0.0.1:{port}/"], stdout=out, stderr=subprocess.STDOUT)


def parse_hey(text):
    ok = sum(int(n) for code, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text) if code == "200")
    non200 = {code: int(n) for code, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text) if code != "200"}
    errors = {}
    m = re.search(r"Error distribution:\n(.*)", text, re.S)
    if m:
        for n, msg in re.findall(r"\[(\d+)\]\s+(.+)", m.group(1)):
            cause = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", msg.strip())
            cause = re.sub(r"->127\.0\.0\.1:PORT|127\.0\.0\.1:PORT->", "", cause)
            errors[cause] = errors.get(cause, 0) + int(n)
    return ok, non200, errors


def parse_wrk(text):
    m = re.search(r"(\d+) requests in", text)
    total = int(m.group(1)) if m else 0
    errors = {}
    se = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if se:
        for name, v in zip(("connect", "read", "write", "timeout"), se.groups()):
            if int(v):
                errors[f"wrk socket {name}"] = int(v)
    nx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if nx:
        errors["wrk non-2xx"] = int(nx.group(1))
    return total, errors


def runtime_environment():
    """Allocator and runtime settings inherited by the server: a run with any is not the default configuration."""
    names = sorted(k for k in os.environ if k.startswith(("MALLOC_", "DOTNET_", "COMPlus_")) and k != "DOTNET_COUNTERS"
                   and not k.startswith(("DOTNET_CLI_", "DOTNET_NOLOGO", "DOTNET_SKIP_", "DOTNET_ROOT", "DOTNET_INSTALL")))
    if not names:
        return ""
    return " Environment (not the default configuration): " + ", ".join(f"`{k}={os.environ[k]}`" for k in names) + "."


def svg_chart(samples, warmup_s, path, title):
    panels = [("RSS (MB)", 1), ("RSS in glibc malloc arenas (MB)", 10), ("RSS anonymous: GC heap, stacks (MB)", 9), ("GC heap after the last collection (MB)", 2),
              ("handles (fds)", 3), ("threads", 4)]
    w, ph, left, top = 900, 170, 70, 40
    h = top + len(panels) * (ph + 40) + 20
    tmax = max(s[0] for s in samples) or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="15">{title}</text>']
    for i, (label, col) in enumerate(panels):
        y0 = top + i * (ph + 40)
        pts = [(s[0], s[col]) for s in samples if s[col] is not None]
        out.append(f'<text x="{left}" y="{y0 + 12}" font-weight="bold">{label}</text>')
        gy, gw, gh = y0 + 20, w - left - 30, ph - 20
        out.append(f'<rect x="{left}" y="{gy}" width="{gw}" height="{gh}" fill="none" stroke="#999"/>')
        if not pts:
            out.append(f'<text x="{left + 10}" y="{gy + gh / 2}">not sampled (dotnet-counters not installed)</text>')
            continue
        vmin, vmax = min(v for _, v in pts), max(v for _, v in pts)
        lo, hi = (0, vmax * 1.15) if vmax > 0 else (0, 1)
        wx = left + gw * warmup_s / tmax
        out.append(f'<line x1="{wx:.1f}" y1="{gy}" x2="{wx:.1f}" y2="{gy + gh}" stroke="#c00" stroke-dasharray="4,3"/>')
        out.append(f'<text x="{wx + 3:.1f}" y="{gy + 12}" fill="#c00">warm-up ends</text>')
        for frac in (0, 0.5, 1):
            v = lo + (hi - lo) * frac
            yy = gy + gh - gh * frac
            out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{v:.0f}</text>')
        poly = " ".join(f"{left + gw * t / tmax:.1f},{gy + gh - gh * (v - lo) / (hi - lo):.1f}" for t, v in pts)
        out.append(f'<polyline points="{poly}" fill="none" stroke="#1f5fbf" stroke-width="1.5"/>')
        out.append(f'<text x="{left + gw}" y="{gy + gh + 14}" text-anchor="end">min {vmin:.1f}, max {vmax:.1f}; '
                   f'time 0-{tmax / 60:.1f} min</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=600, help="seconds of load (default 600)")
    ap.add_argument("--warmup", type=float, default=None, help="seconds excluded from the memory rule (default 20%% of duration, at most 120)")
    ap.add_argument("--validity", default="20s", help="OCSP response validity (ocsp-responder --validity, default 20s: "
                    "the stapler refreshes every quarter of it, so a new staple every 5 s)")
    ap.add_argument("--rotate-every", type=float, default=30, help="certificate rotation period in seconds (default 30)")
    ap.add_argument("--warmup-rotate-every", type=float, default=2,
                    help="rotation period during the warm-up (default 2 s): tiered compilation recompiles a method "
                         "after 30 calls, so the rotation path is compiled before the measurement starts")
    ap.add_argument("--hey-rate", type=int, default=20, help="full handshakes per second in total (default 20)")
    ap.add_argument("--wrk-burst", type=int, default=5, help="keep-alive burst length in seconds (default 5)")
    ap.add_argument("--wrk-every", type=int, default=20, help="seconds between keep-alive burst starts (default 20)")
    ap.add_argument("--out", default=os.path.join(ROOT, "perf-results"))
    ap.add_argument("--rawtls", default=None, help="the rawtls executable to soak (default: this checkout's Release build)")
    a = ap.parse_args()
    global RAWTLS
    if a.rawtls:
        RAWTLS = os.path.abspath(a.rawtls)
    warmup = a.warmup if a.warmup is not None else min(120.0, a.duration * 0.2)
    parse_duration(a.validity)  # a bad value fails here, before anything starts

    work = tempfile.mkdtemp(prefix="rawtls-soak-")
    pki, certs, stage, cache = (os.path.join(work, d) for d in ("pki", "certs", "stage", "cache"))
    os.makedirs(cache)
    responder_port, proxy_port, serve_port = free_port(), free_port(), free_port()
    subprocess.run([RAWTLS, "pki", "init", "--dir", pki, "--ocsp-url", f"http://127.0.0.1:{proxy_port}/"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([RAWTLS, "pki", "issue", "--dir", pki, "--name", "localhost", "--name", "127.0.0.1", "--out", certs],
                   check=True, stdout=subprocess.DEVNULL)
    ca = os.path.join(pki, "root.pem")

    responder_log = open(os.path.join(work, "responder.log"), "w")
    start([RAWTLS, "ocsp-responder", "--pki", pki, "--listen", f"127.0.0.1:{responder_port}", "--validity", a.validity],
          stdout=responder_log, stderr=subprocess.STDOUT)
    wait_port(responder_port)
    proxy = FlakyProxy(proxy_port, responder_port)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()

    serve_log_path = os.path.join(work, "serve.log")
    serve_log = open(serve_log_path, "w")
    server = start([RAWTLS, "serve", "--listen", f"127.0.0.1:{serve_port}",
                    "--cert", os.path.join(certs, "leaf.pem"), "--key", os.path.join(certs, "leaf.key"),
                    "--chain", os.path.join(certs, "chain.pem"), "--staple-cache", cache, "--watch", "on"],
                   stdout=serve_log, stderr=subprocess.STDOUT)
    wait_port(serve_port)
    log(f"serve pid {server.pid} on 127.0.0.1:{serve_port}; responder {responder_port} behind flaky proxy {proxy_port}; work {work}")

    counters = Counters(server.pid, os.path.join(work, "counters.csv"))
    probe = Probe(serve_port, ca)
    samples = []  # (t, rss, gc heap, handles, threads, gc committed, gen0, gen1, gen2, rss anonymous, rss in malloc, rss mapped)
    hey_out = open(os.path.join(work, "hey.txt"), "w")
    hey = run_hey(serve_port, int(a.duration), a.hey_rate, 4, hey_out)
    wrk_runs = []
    rotations = rotation_failures = warmup_rotations = 0
    t0 = time.time()
    next_sample = next_rotate = t0
    next_rotate += a.warmup_rotate_every if warmup > 0 else a.rotate_every
    next_wrk = t0 + 10
    wrk_proc = None
    try:
        while time.time() - t0 < a.duration:
            now = time.time()
            if server.poll() is not None:
                raise RuntimeError(f"serve exited with {server.returncode}")
            if now >= next_sample:
                samples.append(take_sample(server.pid, counters, now - t0))
                probe.run()
                next_sample += 5
            if now >= next_rotate:
                shutil_rm(stage)
                r = subprocess.run([RAWTLS, "pki", "issue", "--dir", pki, "--name", "localhost", "--name", "127.0.0.1",
                                    "--out", stage], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
                if r.returncode == 0:
                    for name in ("leaf.key", "leaf.pem", "chain.pem"):
                        os.replace(os.path.join(stage, name), os.path.join(certs, name))
                    rotations += 1
                    if now - t0 < warmup:
                        warmup_rotations += 1
                else:
                    rotation_failures += 1
                # Rotations come at the warm-up pace until the warm-up ends, then at --rotate-every.
                if time.time() - t0 < warmup:
                    next_rotate = min(time.time() + a.warmup_rotate_every, t0 + warmup)
                else:
                    next_rotate += a.rotate_every
            if wrk_proc is not None and wrk_proc[0].poll() is not None:
                wrk_proc[1].seek(0)
                wrk_runs.append(parse_wrk(wrk_proc[1].read()))
                wrk_proc[1].close()
                wrk_proc = None
            if wrk_proc is None and now >= next_wrk and now - t0 + a.wrk_burst < a.duration:
                f = tempfile.TemporaryFile("w+")
                p = start(["wrk", "-t1", "-c4", f"-d{a.wrk_burst}s", f"https://127.0.0.1:{serve_port}/"],
                          stdout=f, stderr=subprocess.STDOUT)
                wrk_proc = (p, f)
                next_wrk += a.wrk_every
            time.sleep(0.2)
        hey.wait(timeout=60)
        if wrk_proc is not None:
            wrk_proc[0].wait(timeout=60)
            wrk_proc[1].seek(0)
            wrk_runs.append(parse_wrk(wrk_proc[1].read()))
        samples.append(take_sample(server.pid, counters, time.time() - t0))
    finally:
        stop_all()
        proxy.shutdown()
    elapsed = time.time() - t0
    hey_out.close()
    with open(os.path.join(work, "hey.txt")) as f:
        hey_ok, hey_non200, hey_errors = parse_hey(f.read())
    wrk_total = sum(t for t, _ in wrk_runs)
    causes = {}
    for code, n in hey_non200.items():
        causes[f"hey HTTP {code}"] = n
    for cause, n in hey_errors.items():
        causes[f"hey {cause}"] = n
    for _, errs in wrk_runs:
        for cause, n in errs.items():
            causes[cause] = causes.get(cause, 0) + n
    with open(serve_log_path) as f:
        serve_text = f.read()
    serve_warnings = len(re.findall(r"^\S+ (warn|fail|crit):", serve_text, re.M))

    post = [s for s in samples if s[0] >= warmup]
    base = statistics.median([s[1] for s in post[:12]]) if post else float("nan")
    rss_min, rss_max = min(s[1] for s in post), max(s[1] for s in post)
    within = max(abs(rss_max - base), abs(base - rss_min)) / base * 100
    gc_post = [s[2] for s in post if s[2] is not None]
    passed = within <= 10 and not causes and probe.outside == 0 and probe.mismatched == 0

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M")
    os.makedirs(a.out, exist_ok=True)
    base_name = os.path.join(a.out, f"soak-{stamp}")
    with open(base_name + ".csv", "w", newline="") as f:
        wcsv = csv.writer(f)
        wcsv.writerow(["seconds", "rss_mb", "gc_heap_mb", "handles", "threads", "gc_committed_mb", "gen0", "gen1", "gen2",
                       "rss_anon_mb", "rss_malloc_mb", "rss_mapped_mb"])

        def cell(v, fmt):
            return "" if v is None else format(v, fmt)
        for s in samples:
            wcsv.writerow([f"{s[0]:.1f}", f"{s[1]:.1f}", cell(s[2], ".2f"), s[3], s[4], cell(s[5], ".1f"), cell(s[6], "d"),
                           cell(s[7], "d"), cell(s[8], "d"), cell(s[9], ".1f"), cell(s[10], ".1f"), cell(s[11], ".1f")])
    svg_chart(samples, warmup, base_name + ".svg", f"rawtls serve soak, {elapsed / 60:.1f} min, {stamp} UTC")
    lines = [
        f"# Soak: rawtls serve, {elapsed / 60:.1f} minutes ({stamp} UTC)",
        "",
        f"Result: **{'PASS' if passed else 'FAIL'}** (memory after warm-up within 10 %, no failed request, no staple outside its window).",
        "",
        "Run with `bench/soak/run.sh` " + " ".join(sys.argv[1:]) + f" on {os.cpu_count()} cores shared with other work."
        + runtime_environment(),
        "",
        "## Load",
        "",
        f"- full handshakes: `hey -disable-keepalive -c 4`, {a.hey_rate} requests/s in total for {int(a.duration)} s: {hey_ok} answered 200",
        f"- keep-alive: {len(wrk_runs)} bursts of `wrk -t1 -c4 -d{a.wrk_burst}s` every {a.wrk_every} s: {wrk_total} requests",
        f"- certificate rotations (a new leaf over the served files): {rotations} in all ({rotation_failures} failed to issue); "
        f"{warmup_rotations} during the warm-up, one every {a.warmup_rotate_every:g} s, so that tiered compilation has "
        f"recompiled the rotation path (after 30 calls) before the measurement; then one every {a.rotate_every:.0f} s: "
        f"{rotations - warmup_rotations}",
        f"- OCSP responses valid for {a.validity}; the responder behind a proxy failing every third request: "
        f"{proxy.count} requests, {proxy.forwarded} forwarded, failures {proxy.failures}",
        f"- distinct staples seen by the probe: {len(probe.staples)}; distinct leaf serials served: {len(probe.serials)}",
        "",
        "## Failed requests by cause",
        "",
    ]
    lines += [f"- {c}: {n}" for c, n in sorted(causes.items())] or ["- none"]
    lines += [
        "",
        "## Staples",
        "",
        f"- probes (`openssl s_client -status` every 5 s): {probe.probes}; stapled {probe.stapled}, without a staple {probe.unstapled}, probe failures {probe.failed}",
        f"- outside [thisUpdate - {CLOCK_SKEW_S} s skew, nextUpdate - margin (a tenth of the staple's window, at most {EXPIRY_MARGIN_S} s)]: **{probe.outside}**",
        f"- for another serial than the served leaf: **{probe.mismatched}**",
    ]
    lines += [f"  - {n}" for n in probe.notes[:20]]
    lines += [
        "",
        "## Memory, handles, threads",
        "",
        f"![chart](soak-{stamp}.svg)",
        "",
        f"- warm-up: first {warmup:.0f} s excluded; baseline RSS = median of the first minute after it: {base:.1f} MB",
        f"- RSS after warm-up: min {rss_min:.1f} MB, max {rss_max:.1f} MB, largest deviation from the baseline {within:.1f} % (rule: at most 10 %)",
        gc_line(post),
        rss_split_line(post),
        f"- handles after warm-up: min {min(s[3] for s in post)}, max {max(s[3] for s in post)}; "
        f"threads: min {min(s[4] for s in post)}, max {max(s[4] for s in post)}",
        f"- samples: every 5 s, {len(samples)} in all (soak-{stamp}.csv)",
        f"- server log lines at warning or above (flaky responder, rotations caught mid-write): {serve_warnings}",
        "",
    ]
    with open(base_name + ".md", "w") as f:
        f.write("\n".join(lines))
    log(f"report: {base_name}.md ({'PASS' if passed else 'FAIL'})")
    return 0 if passed else 1


def gc_line(post):
    heap = [p[2] for p in post if p[2] is not None]
    if not heap:
        return "- GC heap: not sampled (dotnet-counters not installed)"
    committed = [p[5] for p in post if p[5] is not None]
    gens = [p for p in post if p[6] is not None]
    runs = ""
    if len(gens) >= 2:
        runs = (f"; collections during the measurement: gen0 {gens[-1][6] - gens[0][6]}, gen1 {gens[-1][7] - gens[0][7]}, "
                f"gen2 {gens[-1][8] - gens[0][8]} (the heap size only moves when one runs)")
    return (f"- GC heap after warm-up (dotnet-counters, size after the last collection): min {min(heap):.1f} MB, "
            f"max {max(heap):.1f} MB, last {heap[-1]:.1f} MB"
            + (f"; GC committed: min {min(committed):.1f} MB, max {max(committed):.1f} MB" if committed else "") + runs)


def rss_split_line(post):
    split = [p for p in post if p[9] is not None]
    if len(split) < 2:
        return "- RSS by owner: not sampled"
    first, last = split[0], split[-1]
    parts = []
    for label, i in (("anonymous (GC heap, stacks, large mallocs)", 9), ("glibc malloc arenas", 10), ("mapped files and JIT code", 11)):
        parts.append(f"{label} {first[i]:.1f} -> {last[i]:.1f} MB (max {max(p[i] for p in split):.1f})")
    return "- RSS by owner (/proc/PID/smaps), start -> end of the measurement: " + "; ".join(parts)


def parse_duration(text):
    """The CLI's duration syntax (500ms, 20s, 2m, 1h, 1d) in seconds."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", text.strip())
    if not m:
        raise SystemExit(f"soak.py: --validity: cannot read duration '{text}' (use e.g. 20s or 2m)")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def shutil_rm(path):
    import shutil
    shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        stop_all()
