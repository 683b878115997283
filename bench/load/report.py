"""Markdown, SVG chart and summary for bench/load/loadcmp.py (standard library only)."""

import os
import statistics
from html import escape

COLORS = {
    "rawtls": "#1f77b4",
    "rawtls-inline": "#17becf",
    "rawtls-baseline": "#7f7f7f",
    "rawtls-stapled": "#9467bd",
    "kestrel": "#ff7f0e",
    "nginx": "#2ca02c",
}


def aggregate(rows):
    """(server, scenario) -> medians and spreads."""
    out = {}
    keys = sorted({(r["server"], r["scenario"]) for r in rows})
    for key in keys:
        rs = [r for r in rows if (r["server"], r["scenario"]) == key]
        rates = [r["rate"] for r in rs]
        us = [r["server_cpu_us_per_op"] for r in rs]
        out[key] = {
            "rate": statistics.median(rates), "rate_min": min(rates), "rate_max": max(rates),
            "us": statistics.median(us), "us_min": min(us), "us_max": max(us),
            "errors": sum(r["errors"] for r in rs), "non2xx": sum(r["non2xx"] for r in rs),
            "server_cpu_pct": statistics.median(r["server_cpu_pct"] for r in rs),
            "client_cpu_pct": statistics.median(r["client_cpu_pct"] for r in rs),
            "other_cpu_pct": statistics.median(r.get("other_cpu_pct", 0.0) for r in rs),
            "n": len(rs),
        }
    return out


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "n/a"


def tables(agg, scenarios, servers):
    lines = []
    for sc, (desc, _tool, unit, _key, _cap) in scenarios.items():
        present = [s for s in servers if (s, sc) in agg]
        if not present:
            continue
        lines += [f"### {sc}: {desc}", "",
                  f"| server | {unit} (median) | min–max | server CPU µs/op (median) | min–max | per server core (1e6 / µs) | server core busy | load-generator core busy | other processes | errors | non-2xx |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for s in present:
            a = agg[(s, sc)]
            lines.append(f"| {s} | {a['rate']:,.0f} | {a['rate_min']:,.0f}–{a['rate_max']:,.0f} | {a['us']:,.1f} | "
                         f"{a['us_min']:,.1f}–{a['us_max']:,.1f} | {1e6 / a['us']:,.0f} | {a['server_cpu_pct']:.0f}% | {a['client_cpu_pct']:.0f}% | {a['other_cpu_pct']:.0f}% | "
                         f"{a['errors']} | {a['non2xx']} |")
        lines.append("")
    return lines


# (first, second) server pairs whose ratios the tables show, when both were measured.
RATIO_COLUMNS = [("rawtls", "nginx"), ("rawtls", "kestrel"), ("rawtls-inline", "nginx"), ("rawtls-baseline", "nginx")]


def ratio_header(present):
    return ["| scenario | " + " | ".join(f"{a} / {b} CPU per op | {a} / {b} rate" for a, b in present) + " |",
            "| --- |" + " ---: | ---: |" * len(present)]


def ratio_table(agg, scenarios):
    """Ratios to nginx (and Kestrel) from the same run; rawtls-baseline, when measured, is the build before the change."""
    present = [c for c in RATIO_COLUMNS if any(agg.get((c[0], sc)) and agg.get((c[1], sc)) for sc in scenarios)]
    lines = ratio_header(present)
    for sc in scenarios:
        if not any(agg.get((a, sc)) for a, _ in present):
            continue
        cells = []
        for a, b in present:
            x, y = agg.get((a, sc)), agg.get((b, sc))
            cells += [ratio(x and x["us"], y and y["us"]), ratio(x and x["rate"], y and y["rate"])]
        lines.append(f"| {sc} | " + " | ".join(cells) + " |")
    lines += ["", "CPU-per-op ratios below 1 and rate ratios above 1 favour the first server. Targets (issue 9, default "
              "configuration): hs13 rawtls / nginx CPU per op at most 1.10; keepalive rawtls / nginx rate at least 1.00."]
    return lines


def paired_table(rows, scenarios):
    """Median over the repetitions of each repetition's own ratio: servers measured back to back share the machine's
    state of that moment, so this pairing is less sensitive to the machine drifting during the run."""
    by = {(r["server"], r["scenario"], r["rep"]): r for r in rows}
    ratios = {}  # (a, b, scenario) -> (CPU-per-op ratios, rate ratios), one of each per repetition that measured both
    for (a, sc, rep), x in by.items():
        for first, b in RATIO_COLUMNS:
            y = by.get((b, sc, rep))
            if first == a and y is not None:
                us, rate = ratios.setdefault((a, b, sc), ([], []))
                if x["ok"] and y["ok"]:
                    us.append(x["server_cpu_us_per_op"] / y["server_cpu_us_per_op"])
                if x["rate"] and y["rate"]:
                    rate.append(x["rate"] / y["rate"])
    present = [c for c in RATIO_COLUMNS if any((c[0], c[1], sc) in ratios for sc in scenarios)]
    if not present:
        return []
    lines = ratio_header(present)
    for sc in scenarios:
        if not any((a, b, sc) in ratios for a, b in present):
            continue
        cells = []
        for a, b in present:
            us, rate = ratios.get((a, b, sc), ([], []))
            cells += [f"{statistics.median(us):.2f}" if us else "n/a", f"{statistics.median(rate):.2f}" if rate else "n/a"]
        lines.append(f"| {sc} | " + " | ".join(cells) + " |")
    return ["", "Paired: the median of the repetitions' own ratios (each repetition measures the servers back to back, "
            "in alternating order).", ""] + lines


def svg_chart(agg, scenarios, servers):
    """Small multiples: one panel per scenario, rate on top and server CPU µs per operation below."""
    present_sc = [sc for sc in scenarios if any((s, sc) in agg for s in servers)]
    present_sv = [s for s in servers if any((s, sc) in agg for sc in scenarios)]
    pw, ph, gap, top, left = 250, 170, 30, 60, 20
    width = left + len(present_sc) * (pw + gap) + 20
    height = top + 2 * (ph + 60) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="15" font-weight="bold">rawtls vs Kestrel vs nginx, server pinned to one core (medians, whiskers min–max)</text>']
    lx = left
    for s in present_sv:
        out.append(f'<rect x="{lx}" y="34" width="12" height="12" fill="{COLORS.get(s, "#777")}"/>'
                   f'<text x="{lx + 16}" y="44">{escape(s)}</text>')
        lx += 30 + 7 * len(s)
    for row, (metric, lo, hi, title) in enumerate((("rate", "rate_min", "rate_max", "{unit}"),
                                                   ("us", "us_min", "us_max", "server CPU µs per op (lower is better)"))):
        y0 = top + row * (ph + 60) + 20
        for col, sc in enumerate(present_sc):
            x0 = left + col * (pw + gap)
            unit = scenarios[sc][2]
            vals = [(s, agg[(s, sc)]) for s in present_sv if (s, sc) in agg]
            vmax = max(a[hi] for _, a in vals) * 1.15 or 1
            out.append(f'<text x="{x0}" y="{y0 - 6}" font-weight="bold">{escape(sc)}: {escape(title.format(unit=unit))}</text>')
            out.append(f'<line x1="{x0}" y1="{y0 + ph}" x2="{x0 + pw}" y2="{y0 + ph}" stroke="#333"/>')
            bw = pw / max(1, len(vals))
            for i, (s, a) in enumerate(vals):
                h = ph * a[metric] / vmax
                bx = x0 + i * bw + 4
                out.append(f'<rect x="{bx:.1f}" y="{y0 + ph - h:.1f}" width="{bw - 8:.1f}" height="{h:.1f}" fill="{COLORS.get(s, "#777")}">'
                           f'<title>{escape(s)} {escape(sc)}: {a[metric]:,.1f} ({a[lo]:,.1f}–{a[hi]:,.1f})</title></rect>')
                cx = bx + (bw - 8) / 2
                ylo, yhi = y0 + ph - ph * a[lo] / vmax, y0 + ph - ph * a[hi] / vmax
                out.append(f'<line x1="{cx:.1f}" y1="{ylo:.1f}" x2="{cx:.1f}" y2="{yhi:.1f}" stroke="#000"/>')
                label = f"{a[metric]:,.0f}" if a[metric] >= 100 else f"{a[metric]:,.1f}"
                out.append(f'<text x="{cx:.1f}" y="{yhi - 3:.1f}" text-anchor="middle" font-size="9">{label}</text>')
    out.append("</svg>")
    return "\n".join(out)


def write_all(base, rows, env_info, settings, scenarios, servers, summary_dir):
    agg = aggregate(rows)
    name = os.path.basename(base)
    head = [f"# Load comparison {name}", "",
            "Produced by `bench/load/run.sh` (see bench/README.md). Server on one core (`taskset -c 0`), load generator on "
            "the other (`taskset -c 1`), all traffic on 127.0.0.1, same certificate and same 18-byte `text/plain` answer "
            "for every server. Server CPU is utime+stime of the whole server process (all threads; nginx master and "
            "worker) from `/proc/<pid>/stat`, read before and after each measurement, divided by the successful "
            "requests (each request is one handshake in the hey and `Connection: close` scenarios). \"other processes\" is "
            "the CPU the rest of the machine used meanwhile (100% = one core): when it is not near 0 the rates are "
            "depressed, while the CPU-per-operation figures are much less affected.", "",
            f"Each server process first gets {settings.get('server_warmup', 0)} s of unmeasured load (JIT tiering), then each "
            f"measurement is {settings['duration']} s after a {settings['warmup']} s warm-up per scenario, "
            f"{settings['reps']} repetitions, {settings['connections']} connections.", "",
            "| | |", "| --- | --- |"]
    head += [f"| {k} | {escape(str(v))} |" for k, v in env_info.items()]
    head += ["", "Servers:", ""]
    head += [f"- **{s}**: {escape(servers[s][0])}" for s in servers if any(k[0] == s for k in agg)]
    body = head + ["", f"![chart]({name}.svg)", "", "## Ratios (medians)", ""] + ratio_table(agg, scenarios) + paired_table(rows, scenarios) + ["", "## Results", ""] + tables(agg, scenarios, servers)
    with open(base + ".md", "w") as f:
        f.write("\n".join(body) + "\n")
    with open(base + ".svg", "w") as f:
        f.write(svg_chart(agg, scenarios, servers) + "\n")
    if summary_dir:
        notes_path = os.path.join(summary_dir, "NOTES.md")
        notes = []
        if os.path.exists(notes_path):
            with open(notes_path) as f:
                notes = ["", f.read().rstrip("\n")]
        summary = ["# Performance results (latest load comparison)", "",
                   f"Latest run: [{name}.md]({name}.md) ([csv]({name}.csv)); reproduce with `bench/load/run.sh` (bench/README.md). "
                   "This file is rewritten by every full run; older runs stay beside it.", "",
                   f"![chart]({name}.svg)", "", "## Ratios (medians)", ""] + ratio_table(agg, scenarios) + paired_table(rows, scenarios) + \
                  ["", "## Figures (medians, min–max over the repetitions)", ""] + tables(agg, scenarios, servers) + \
                  ["## Machine", "", "| | |", "| --- | --- |"] + [f"| {k} | {escape(str(v))} |" for k, v in env_info.items()] + notes
        with open(os.path.join(summary_dir, "README.md"), "w") as f:
            f.write("\n".join(summary) + "\n")
