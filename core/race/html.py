"""The race in the browser: one self-contained HTML page (no CDN, no server-side rendering).

Bars glide between periods (values tween every animation frame, positions slide with a CSS
transition), with play/pause and a period scrubber. Worker names and titles come from Cognito and
user input, so the page only ever sets them with `textContent`, and the data is embedded as JSON
with `<`, `>` and `&` escaped so no string can close the script element.
"""

from __future__ import annotations

import json
import re

import pandas as pd

from .colors import race_colors
from .frames import RaceOptions


def _json_for_script(value) -> str:
    """JSON that is safe inside <script>: no '</script>', no HTML entities."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def race_payload(table: pd.DataFrame, options: RaceOptions) -> dict:
    return {
        "title": options.title,
        "periods": [ts.strftime(options.label_format) for ts in table.index],
        "names": [str(c) for c in table.columns],
        "colors": race_colors(table.shape[1], options.colormap),
        "values": table.to_numpy().tolist(),  # periods x workers, cumulative
        "top": options.top,
        "summary": options.summary,
        "unit": options.unit,  # what the bars add up: labels, or weighted labels
        "periodMs": max(120, options.period_length_ms),
    }


def race_html(table: pd.DataFrame, options: RaceOptions, height: int = 520) -> str:
    """The whole page. An empty table gives a page that says so."""
    payload = race_payload(table, options) if not table.empty else None
    values = {"DATA": _json_for_script(payload), "HEIGHT": str(int(height))}
    # One pass over the template only: text from the data (a title or a name holding "__HEIGHT__")
    # is inserted, never scanned again for placeholders.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _PAGE)


_PLACEHOLDER = re.compile(r"__(DATA|HEIGHT)__")


_PAGE = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { --row: 34px; --ink: #1f2430; --muted: #6b7280; --accent: #2f6fde; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.3 "Source Sans Pro", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
         background: #fff; }
  #race { height: __HEIGHT__px; display: flex; flex-direction: column; padding: 8px 12px; }
  header { display: flex; align-items: baseline; justify-content: space-between; gap: 12px; }
  #title { font-size: 20px; font-weight: 700; margin: 0; overflow: hidden; text-overflow: ellipsis;
           white-space: nowrap; }
  #period { font-size: 26px; font-weight: 700; color: var(--muted); font-variant-numeric: tabular-nums;
            white-space: nowrap; }
  #summary { color: var(--muted); min-height: 18px; }
  #chart { position: relative; flex: 1; margin: 8px 0; overflow: hidden; }
  .bar { position: absolute; left: 0; right: 0; height: calc(var(--row) - 6px); display: flex;
         align-items: center; transition: transform 300ms ease, opacity 300ms ease; will-change: transform; }
  .name { width: 190px; flex: none; text-align: right; padding-right: 8px; overflow: hidden;
          text-overflow: ellipsis; white-space: nowrap; }
  .track { flex: 1; position: relative; height: 100%; }
  .fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 3px; min-width: 2px; }
  .value { position: absolute; top: 50%; transform: translateY(-50%); padding-left: 6px;
           font-variant-numeric: tabular-nums; white-space: nowrap; }
  footer { display: flex; align-items: center; gap: 10px; }
  button { font: inherit; border: 1px solid #d0d4dc; background: #fff; border-radius: 6px; padding: 4px 12px;
           cursor: pointer; min-width: 76px; }
  button:focus-visible, input:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  input[type=range] { flex: 1; accent-color: var(--accent); }
  #empty { color: var(--muted); padding: 24px; }
</style></head>
<body>
<div id="race">
  <header><h1 id="title"></h1><div id="period" aria-live="polite"></div></header>
  <div id="summary"></div>
  <div id="chart" role="img" aria-label="Bar chart race of cumulative labels per worker"></div>
  <footer>
    <button id="play" type="button" aria-label="Pause">Pause</button>
    <input id="scrub" type="range" min="0" value="0" step="any" aria-label="Period">
  </footer>
</div>
<script id="race-data" type="application/json">__DATA__</script>
<script>
(() => {
  const data = JSON.parse(document.getElementById("race-data").textContent);
  const root = document.getElementById("race");
  if (!data || !data.periods.length) {
    root.textContent = "";
    const p = document.createElement("p"); p.id = "empty"; p.textContent = "No labels in this selection.";
    root.appendChild(p); return;
  }
  const $ = (id) => document.getElementById(id);
  const chart = $("chart"), playBtn = $("play"), scrub = $("scrub");
  $("title").textContent = data.title;
  const last = data.periods.length - 1;
  scrub.max = String(last);
  const rowPx = parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--row"));
  const bars = data.names.map((name, i) => {
    const bar = document.createElement("div"); bar.className = "bar";
    const label = document.createElement("div"); label.className = "name"; label.textContent = name; label.title = name;
    const track = document.createElement("div"); track.className = "track";
    const fill = document.createElement("div"); fill.className = "fill"; fill.style.background = data.colors[i];
    const value = document.createElement("div"); value.className = "value";
    track.append(fill, value); bar.append(label, track); chart.appendChild(bar);
    return { bar, fill, value, rank: -1 };
  });
  const fmt = new Intl.NumberFormat();
  // Values at a fractional position t in [0, last]: linear between periods.
  const at = (t) => {
    const i = Math.min(Math.floor(t), last), f = t - i, a = data.values[i], b = data.values[Math.min(i + 1, last)];
    return a.map((v, k) => v + (b[k] - v) * f);
  };
  const draw = (t) => {
    const vals = at(t);
    const order = vals.map((v, k) => k).sort((x, y) => vals[y] - vals[x] || x - y);
    const shown = Math.min(data.top, order.length);
    const max = Math.max(1, vals[order[0]]);
    order.forEach((k, rank) => {
      const b = bars[k];
      if (b.rank !== rank) {
        b.bar.style.transform = `translateY(${Math.min(rank, shown) * rowPx}px)`;
        b.bar.style.opacity = rank < shown ? "1" : "0";
        b.rank = rank;
      }
      if (rank < shown) {
        const pct = (vals[k] / max) * 82;
        b.fill.style.width = pct + "%";
        b.value.style.left = pct + "%";
        b.value.textContent = fmt.format(Math.round(vals[k]));
      }
    });
    $("period").textContent = data.periods[Math.round(t)];
    const total = vals.reduce((s, v) => s + v, 0);
    if (data.summary) $("summary").textContent = "Total " + data.unit + ": " + fmt.format(Math.round(total));
    scrub.value = String(t);
  };
  let t = 0, playing = true, lastTs = null;
  const setPlaying = (on) => {
    playing = on; lastTs = null;
    playBtn.textContent = on ? "Pause" : "Play"; playBtn.setAttribute("aria-label", on ? "Pause" : "Play");
    root.dataset.state = on ? "playing" : "paused";
    if (on) requestAnimationFrame(tick);
  };
  const tick = (ts) => {
    if (!playing) return;
    if (lastTs !== null) t = Math.min(last, t + (ts - lastTs) / data.periodMs);
    lastTs = ts; draw(t);
    if (t >= last) { setPlaying(false); root.dataset.state = "ended"; return; }
    requestAnimationFrame(tick);
  };
  playBtn.addEventListener("click", () => { if (!playing && t >= last) t = 0; setPlaying(!playing); });
  scrub.addEventListener("input", () => { setPlaying(false); t = parseFloat(scrub.value); draw(t); });
  draw(0);
  root.dataset.ready = String(performance.now());
  setPlaying(last > 0);
})();
</script>
</body></html>
"""
