#!/usr/bin/env python3
"""Load comparison of rawtls serve, a minimal Kestrel app and nginx on one pinned core.

Started by bench/load/run.sh (which builds first). Standard library only.
Every server gets the same ECDSA P-256 certificate (RSA-2048 for the RSA scenario) and answers
"Hello from RawTls\\n" as text/plain. The server runs on core 0, the load generator on core 1 (taskset).
"""

import argparse
import csv
import datetime as dt
import itertools
import os
import platform
import re
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RAWTLS = os.path.join(ROOT, "src/RawTls.Cli/bin/Release/net10.0/RawTls.Cli")
KESTREL = os.path.join(ROOT, "bench/RawTls.KestrelPeer/bin/Release/net10.0/RawTls.KestrelPeer")
BODY = b"Hello from RawTls\n"
SERVER_CORE = "0"
CLIENT_CORE = "1"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# scenario id -> (description, load tool, unit, certificate, TLS cap on the server)
SCENARIOS = {
    "hs13": ("full TLS 1.3 handshakes, ECDSA P-256 (hey -disable-keepalive)", "hey", "handshakes/s", "ecdsa", None),
    "keepalive": ("keep-alive requests (wrk -t1 -c32)", "wrk", "requests/s", "ecdsa", None),
    "resumed": ("resumed TLS 1.3 handshakes (wrk -t1 -c32 -H 'Connection: close')", "wrk-close", "handshakes/s", "ecdsa", None),
    "hs12": ("full TLS 1.2 handshakes, ECDSA P-256 (server capped at 1.2; hey -disable-keepalive)", "hey", "handshakes/s", "ecdsa", "1.2"),
    "rsa13": ("full TLS 1.3 handshakes, RSA-2048 (hey -disable-keepalive)", "hey", "handshakes/s", "rsa", None),
}

# server id -> (label, scenarios it runs)
SERVERS = {
    "rawtls": ("rawtls serve --stapling off", ["hs13", "keepalive", "resumed", "hs12", "rsa13"]),
    "rawtls-inline": ("rawtls serve --stapling off --inline-completions", ["hs13", "keepalive", "resumed", "hs12", "rsa13"]),
    "rawtls-baseline": ("rawtls serve --stapling off, an earlier build given with --baseline", ["hs13", "keepalive", "resumed", "hs12", "rsa13"]),
    "rawtls-stapled": ("rawtls serve (default: stapling auto, dev PKI + local OCSP responder)", ["hs13", "keepalive"]),
    "kestrel": ("Kestrel (bench/RawTls.KestrelPeer)", ["hs13", "keepalive", "resumed", "hs12", "rsa13"]),
    "nginx": ("nginx worker_processes 1", ["hs13", "keepalive", "resumed", "hs12", "rsa13"]),
}

_children = []  # Popen objects we started; killed by PID at exit


def log(msg):
    print(msg, flush=True)


def kill_children():
    for p in list(_children):
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
                p.wait(timeout=8)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
            except ProcessLookupError:
                pass
        if p in _children:
            _children.remove(p)


def on_signal(signum, _frame):
    kill_children()
    sys.exit(128 + signum)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def tool_output(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (r.stdout + r.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return "n/a"


# ---------------------------------------------------------------- process CPU

def process_tree(pid):
    """pid and all its descendants (nginx: master and worker)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                ppid = int(stat[stat.rindex(")") + 2:].split()[1])
                parents.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError):
                pass
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(parents.get(p, []))
    return tree


def system_busy_seconds():
    """Non-idle CPU time of the whole machine (all cores), to tell how much other processes took."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def cpu_seconds(pids):
    """utime + stime of every thread (live and exited) of the given processes."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5)
        except OSError:
            pass
    return total / CLK_TCK


# ---------------------------------------------------------------- certificates

def make_certificates(work):
    """ECDSA P-256: the rawtls development PKI (so the stapled run serves the very same leaf).
    RSA-2048: root -> intermediate -> leaf made with openssl, the same shape."""
    data_dir = os.path.join(work, "rawtls-data")
    port = free_port()
    p = start([RAWTLS, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir, "--stapling", "off"], "pki-bootstrap", work)
    wait_ready(port, p)
    stop(p)
    pki = os.path.join(data_dir, "pki")
    ecdsa = {"cert": os.path.join(pki, "leaf.pem"), "key": os.path.join(pki, "leaf.key"), "chain": os.path.join(pki, "chain.pem")}

    rsa_dir = os.path.join(work, "rsa")
    os.makedirs(rsa_dir)

    def o(*args):
        run(["openssl", *args], cwd=rsa_dir)

    with open(os.path.join(rsa_dir, "ca.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n")
    with open(os.path.join(rsa_dir, "leaf.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n")
    o("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.pem", "-days", "30",
      "-subj", "/CN=RawTls bench RSA root", "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    o("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "intermediate.key", "-out", "intermediate.csr",
      "-subj", "/CN=RawTls bench RSA intermediate")
    o("x509", "-req", "-in", "intermediate.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
      "-out", "intermediate.pem", "-days", "30", "-extfile", "ca.ext")
    o("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost")
    o("x509", "-req", "-in", "leaf.csr", "-CA", "intermediate.pem", "-CAkey", "intermediate.key", "-CAcreateserial",
      "-out", "leaf.pem", "-days", "30", "-extfile", "leaf.ext")
    shutil.copy(os.path.join(rsa_dir, "intermediate.pem"), os.path.join(rsa_dir, "chain.pem"))
    rsa = {"cert": os.path.join(rsa_dir, "leaf.pem"), "key": os.path.join(rsa_dir, "leaf.key"), "chain": os.path.join(rsa_dir, "chain.pem")}
    for c in (ecdsa, rsa):
        with open(c["cert"]) as a, open(c["chain"]) as b, open(c["cert"] + ".full", "w") as out:
            out.write(a.read().rstrip("\n") + "\n" + b.read())
        c["fullchain"] = c["cert"] + ".full"
    return data_dir, ecdsa, rsa


# ---------------------------------------------------------------- servers

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, name, work, env=None):
    logf = open(os.path.join(work, f"{name}.log"), "ab")
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.Popen(["taskset", "-c", SERVER_CORE, *cmd], stdout=logf, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, env=full_env, start_new_session=True)
    _children.append(p)
    return p


def stop(p):
    if p.poll() is None:
        os.kill(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
    _children.remove(p)


def wait_ready(port, p, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if p.poll() is not None:
            raise RuntimeError(f"server exited early with code {p.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not listen on {port} within {timeout}s")


def check_response(port):
    """One HTTPS GET: the answer must be 200 with the agreed body."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, ctx.wrap_socket(raw, server_hostname="localhost") as s:
        version = s.version()
        s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200") or body != BODY:
        raise RuntimeError(f"unexpected answer from port {port}: {data[:200]!r}")
    return version


def nginx_config(work, port, certs, tls_cap):
    prefix = os.path.join(work, f"nginx-{port}")
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    protocols = "TLSv1.2" if tls_cap == "1.2" else "TLSv1.2 TLSv1.3"
    conf = f"""worker_processes 1;
daemon off;
user root;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {certs['fullchain']};
        ssl_certificate_key {certs['key']};
        ssl_protocols {protocols};
        location / {{
            default_type text/plain;
            return 200 "Hello from RawTls\\n";
        }}
    }}
}}
"""
    path = os.path.join(prefix, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    return prefix, path


def server_command(server, port, certs, tls_cap, work, data_dir, baseline=None):
    env = {}
    if server in ("rawtls", "rawtls-inline", "rawtls-baseline"):
        binary = os.path.join(baseline, "RawTls.Cli") if server == "rawtls-baseline" else RAWTLS
        cmd = [binary, "serve", "--listen", f"127.0.0.1:{port}", "--cert", certs["cert"], "--key", certs["key"],
               "--chain", certs["chain"], "--stapling", "off", "--log-level", "warning", "--data-dir", os.path.join(work, "unused")]
        if server == "rawtls-inline":
            cmd.append("--inline-completions")
        if tls_cap:
            cmd += ["--tls", tls_cap]
    elif server == "rawtls-stapled":
        cmd = [RAWTLS, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir, "--log-level", "warning"]
        if tls_cap:
            cmd += ["--tls", tls_cap]
    elif server == "kestrel":
        cmd = [KESTREL, "--listen", f"127.0.0.1:{port}", "--cert", certs["cert"], "--key", certs["key"], "--chain", certs["chain"]]
        if tls_cap:
            cmd += ["--tls", tls_cap]
    elif server == "nginx":
        prefix, conf = nginx_config(work, port, certs, tls_cap)
        cmd = ["nginx", "-p", prefix, "-c", conf]
    else:
        raise ValueError(server)
    return cmd, env


# ---------------------------------------------------------------- load tools

def run_load(tool, port, seconds, connections):
    url = f"https://127.0.0.1:{port}/"
    if tool == "hey":
        cmd = ["hey", "-z", f"{seconds}s", "-c", str(connections), "-disable-keepalive", url]
    elif tool == "wrk":
        cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url]
    elif tool == "wrk-close":
        cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-H", "Connection: close", url]
    else:
        raise ValueError(tool)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run(["taskset", "-c", CLIENT_CORE, *cmd], capture_output=True, text=True, timeout=seconds + 60)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out = r.stdout + r.stderr
    parsed = parse_hey(out) if tool == "hey" else parse_wrk(out)
    parsed["client_cpu_pct"] = 100.0 * client_cpu / wall if wall > 0 else 0.0
    parsed["raw"] = out
    return parsed


def parse_hey(out):
    m = re.search(r"Total:\s+([\d.]+) secs", out)
    secs = float(m.group(1)) if m else float("nan")
    ok = non2xx = 0
    m = re.search(r"Status code distribution:\n((?:\s+\[\d+\].*\n?)*)", out)
    if m:
        for code, n in re.findall(r"\[(\d+)\]\s+(\d+) responses", m.group(1)):
            if code.startswith("2"):
                ok += int(n)
            else:
                non2xx += int(n)
    errors = 0
    m = re.search(r"Error distribution:\n((?:\s+\[\d+\].*\n?)*)", out)
    if m:
        errors = sum(int(n) for n in re.findall(r"\[(\d+)\]", m.group(1)))
    return {"ok": ok, "non2xx": non2xx, "errors": errors, "secs": secs}


def parse_wrk(out):
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    if not m:
        return {"ok": 0, "non2xx": 0, "errors": 0, "secs": float("nan")}
    requests = int(m.group(1))
    secs = float(m.group(2)) / (1000.0 if m.group(3) == "ms" else 1.0)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    non2xx = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = sum(int(x) for x in m.groups()) if m else 0
    return {"ok": requests - non2xx, "non2xx": non2xx, "errors": errors, "secs": secs}


# ---------------------------------------------------------------- main

def environment():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    runtimes = [l for l in tool_output(["dotnet", "--list-runtimes"]).splitlines() if "NETCore.App" in l]
    return {
        "date (UTC)": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "cpu": f"{cpu}, {os.cpu_count()} cores (server on core {SERVER_CORE}, load generator on core {CLIENT_CORE})",
        "kernel": f"{platform.system()} {platform.release()} {platform.machine()}",
        "os": tool_output(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "openssl": tool_output(["openssl", "version"]),
        ".NET": f"SDK {tool_output(['dotnet', '--version'])}; runtime {runtimes[0].split('[')[0].strip() if runtimes else 'n/a'}",
        "nginx": tool_output(["nginx", "-v"]),
        "hey": tool_output(["dpkg-query", "-W", "-f", "${Version}", "hey"]),
        "wrk": tool_output(["dpkg-query", "-W", "-f", "${Version}", "wrk"]),
        "load average at start": " ".join(open("/proc/loadavg").read().split()[:3]),
        "uptime at start": tool_output(["uptime"]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=5, help="seconds per measurement (default 5)")
    ap.add_argument("--warmup", type=int, default=5, help="unmeasured seconds per server and scenario before its first measurement, for JIT tiering (default 5)")
    ap.add_argument("--server-warmup", type=int, default=16, help="unmeasured seconds of load per server process before any measurement (half handshakes, half keep-alive), so that JIT tiering is over (default 16)")
    ap.add_argument("--reps", type=int, default=3, help="measurements per server and scenario (default 3)")
    ap.add_argument("--connections", type=int, default=32, help="concurrent connections of the load tool (default 32)")
    ap.add_argument("--servers", default=None, help="comma-separated subset of: " + ",".join(SERVERS) + " (default: all; rawtls-baseline only with --baseline)")
    ap.add_argument("--baseline", default=None, help="directory of an earlier RawTls.Cli build, measured as rawtls-baseline in the same run (before/after)")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of: " + ",".join(SCENARIOS))
    ap.add_argument("--name", default="load-comparison", help="results file name suffix")
    ap.add_argument("--out", default=os.path.join(ROOT, "perf-results"), help="results directory")
    ap.add_argument("--quick", action="store_true", help="smoke run: 2 s, 1 repetition, 1 s warm-up; results not written to the summary")
    args = ap.parse_args()
    if args.quick:
        args.duration, args.reps, args.warmup, args.server_warmup = 2, 1, 1, 2
    if args.servers is None:
        args.servers = ",".join(s for s in SERVERS if s != "rawtls-baseline" or args.baseline)
    servers = [s for s in args.servers.split(",") if s]
    if "rawtls-baseline" in servers and not (args.baseline and os.path.exists(os.path.join(args.baseline, "RawTls.Cli"))):
        ap.error("rawtls-baseline needs --baseline DIR with a RawTls.Cli build in it")
    scenarios = [s for s in args.scenarios.split(",") if s]
    for s in servers:
        if s not in SERVERS:
            ap.error(f"unknown server {s}")
    for s in scenarios:
        if s not in SCENARIOS:
            ap.error(f"unknown scenario {s}")

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    work = tempfile.mkdtemp(prefix="rawtls-load-")
    env_info = environment()
    for k, v in env_info.items():
        log(f"{k:>11}: {v}")

    rows = []
    try:
        log("certificates: ECDSA P-256 (rawtls development PKI) and RSA-2048 (openssl)")
        data_dir, ecdsa, rsa = make_certificates(work)
        # Per (certificate, TLS cap): all servers run at once (idle ones cost nothing), each on its own port and
        # pinned to the server core, and the repetitions go round-robin over the servers (alternating direction), so
        # that a slow phase of the machine is spread over all of them instead of hitting one.
        groups = []
        for key_kind, cap in (("ecdsa", None), ("ecdsa", "1.2"), ("rsa", None)):
            plan = [(sc, server) for sc in scenarios for server in servers
                    if sc in SERVERS[server][1] and SCENARIOS[sc][3] == key_kind and SCENARIOS[sc][4] == cap]
            if plan:
                groups.append((key_kind, cap, plan))
        total = sum(len(g[2]) for g in groups) * args.reps
        minutes = (total * (args.duration + 0.7) + sum(len(g[2]) for g in groups) * (args.warmup + 0.7)
                   + sum(len({sv for _, sv in g[2]}) for g in groups) * (args.server_warmup + 1.4) + len(groups) * 10) / 60
        log(f"{total} measurements of {args.duration}s (+{args.warmup}s warm-up per server and scenario), about {minutes:.1f} min")
        done = 0
        t_start = time.monotonic()
        for key_kind, cap, plan in groups:
            certs = ecdsa if key_kind == "ecdsa" else rsa
            running = {}
            for server in dict.fromkeys(sv for _, sv in plan):
                port = free_port()
                cmd, env = server_command(server, port, certs, cap, work, data_dir, args.baseline)
                running[server] = (start(cmd, f"{server}-{key_kind}-{cap or 'any'}", work, env), port)
            try:
                for server, (p, port) in running.items():
                    wait_ready(port, p)
                    version = check_response(port)
                    log(f"== {server} ({key_kind}, TLS {cap or '1.2+1.3'}) pid {p.pid} (process tree {process_tree(p.pid)}), "
                        f"port {port}: 200 with the expected body over {version}")
                if args.server_warmup > 0:
                    # The .NET servers compile their hot paths in the background (tiering) for a while after start; a
                    # measurement that overlaps it charges them for compilation. nginx gets the same treatment.
                    half = max(1, args.server_warmup // 2)
                    for server, (p, port) in running.items():
                        run_load("hey", port, half, args.connections)
                        run_load("wrk", port, half, args.connections)
                for rep in range(1, args.reps + 1):
                    # Odd repetitions go through the servers in order, even ones in reverse (A B C, C B A, ...): a machine
                    # that drifts faster or slower during the run then favours no server by its place in the order.
                    order = plan if rep % 2 else [step for _, steps in itertools.groupby(plan, key=lambda step: step[0])
                                                  for step in reversed(list(steps))]
                    for sc, server in order:
                        p, port = running[server]
                        tool = SCENARIOS[sc][1]
                        if rep == 1 and args.warmup > 0:
                            run_load(tool, port, args.warmup, args.connections)
                        busy0 = system_busy_seconds()
                        c0 = cpu_seconds(process_tree(p.pid))
                        r = run_load(tool, port, args.duration, args.connections)
                        c1 = cpu_seconds(process_tree(p.pid))
                        busy1 = system_busy_seconds()
                        cpu = c1 - c0
                        secs = r["secs"]
                        other = max(0.0, (busy1 - busy0) - cpu - r["client_cpu_pct"] / 100 * secs)
                        rate = r["ok"] / secs if secs and r["ok"] else 0.0
                        us = 1e6 * cpu / r["ok"] if r["ok"] else float("nan")
                        done += 1
                        elapsed = time.monotonic() - t_start
                        eta = elapsed / done * (total - done)
                        log(f"[{done:>3}/{total}] {server:<15} {sc:<9} rep {rep}: {rate:>10,.0f} {SCENARIOS[sc][2]:<12} "
                            f"server {100 * cpu / secs:5.1f}% core, {us:7.1f} us/op; client {r['client_cpu_pct']:5.1f}% core; "
                            f"others {100 * other / secs:5.1f}%; errors {r['errors']}, non-2xx {r['non2xx']}  (eta {eta / 60:.1f} min)")
                        if r["ok"] == 0:
                            log("   load tool output:\n" + r["raw"])
                        rows.append({
                            "server": server, "scenario": sc, "rep": rep, "rate": round(rate, 1), "ok": r["ok"],
                            "errors": r["errors"], "non2xx": r["non2xx"], "seconds": round(secs, 3),
                            "server_cpu_s": round(cpu, 3), "server_cpu_us_per_op": round(us, 1),
                            "server_cpu_pct": round(100 * cpu / secs, 1), "client_cpu_pct": round(r["client_cpu_pct"], 1),
                            "other_cpu_pct": round(100 * other / secs, 1),
                        })
            finally:
                for p, _ in running.values():
                    stop(p)
    finally:
        kill_children()

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, f"{stamp}-{args.name}")
    n = 2
    while os.path.exists(base + ".csv"):  # a second run on the same day keeps the first
        base = os.path.join(args.out, f"{stamp}-{args.name}-{n}")
        n += 1
    with open(base + ".csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    env_info["load average at end"] = " ".join(open("/proc/loadavg").read().split()[:3])
    env_info["uptime at end"] = tool_output(["uptime"])
    settings = {"duration": args.duration, "warmup": args.warmup, "reps": args.reps, "connections": args.connections, "server_warmup": args.server_warmup}
    report.write_all(base, rows, env_info, settings, SCENARIOS, SERVERS, summary_dir=None if args.quick else args.out)
    log(f"wrote {base}.md, {base}.csv, {base}.svg" + ("" if args.quick else f" and {os.path.join(args.out, 'README.md')}"))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
