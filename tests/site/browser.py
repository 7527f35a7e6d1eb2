"""Headless Chromium (Debian's package) driven by Playwright, and a static server for a built site."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve a folder on 127.0.0.1 on a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# WCAG 2 contrast of an element's text against the first opaque background behind it, in the page.
CONTRAST_JS = """
(element) => {
  function rgba(text) {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  }
  function luminance(c) {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function over(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }
  const layers = [];
  for (let e = element; e; e = e.parentElement) {
    const bg = rgba(getComputedStyle(e).backgroundColor);
    if (bg[3] > 0) { layers.push(bg); }
    if (bg[3] >= 1) { break; }
  }
  let background = [255, 255, 255, 1];
  for (let i = layers.length - 1; i >= 0; i--) { background = over(layers[i], background); }
  const color = over(rgba(getComputedStyle(element).color), background);
  const [hi, lo] = [luminance(color), luminance(background)].sort((x, y) => y - x);
  return Math.round((hi + 0.05) / (lo + 0.05) * 100) / 100;
}
"""

# Total layout shift since navigation start, read after load from the buffered entries.
LAYOUT_SHIFT_JS = """
() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) { if (!entry.hadRecentInput) { total += entry.value; } }
  }).observe({ type: "layout-shift", buffered: true });
  setTimeout(() => resolve(total), 500);
})
"""
