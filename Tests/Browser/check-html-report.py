#!/usr/bin/env python3
"""Render switchyard's HTML audit report in headless Chromium and check it.

    check-html-report.py --switchyard BIN [--rules DIR] [--out DIR] [--self-test]

Routes requests.jsonl (next to this script) with an audit log, writes the report as html and as
json, opens the html as a file:// URL in chromium-headless-shell and checks that:

  load        the page loads (a load event, within the timeout)
  console     no uncaught exception, no console or log entry of level error
  scripts     no <script> element, no on* event-handler attribute, no javascript: URL
  resources   nothing is fetched but the file itself (Network events and resource timing)
  cards       the summary cards are there and show the json report's fleet totals
  charts      every <svg> in the source is rendered inline with a non-zero size and bars; each
              chart the json data calls for is there, with the json's labels and figures
  tables      the organisation and user tables have one row per json entry, same figures
  overflow    the page is no wider than the viewport (less its scrollbar), at 1280 px and at
              480 px: wide tables scroll inside their own div.wide
  screenshot  a PNG screenshot is not blank (decoded: several colours, some ink)

--self-test also breaks copies of the good report in known ways (a script, an external image, a
chart removed, a card figure changed, a table row removed, a too-wide element, an empty body, ...)
and requires each copy to be rejected by exactly the checks it targets, and the original accepted.

The browser is driven over the DevTools protocol on --remote-debugging-pipe (fd 3 in, fd 4 out,
NUL-terminated JSON), so there are no ports or websockets; only the standard library is used.
CHROMIUM=/path overrides the browser. Without the browser: exit 1 with the install command, or
exit 0 with a skip message when SWITCHYARD_SKIP_BROWSER=1. Exit 0 when every check passes.
"""

import argparse
import base64
import fcntl
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REQUESTS = os.path.join(HERE, "requests.jsonl")
DEFAULT_CHROMIUM = "/usr/lib/chromium/chromium-headless-shell"
VIEWPORT = (1280, 900)
NARROW_WIDTH = 480       # a phone-sized viewport: still no horizontal page scroll
STEP_TIMEOUT = 20.0      # seconds for any one browser step (start, command, page load)
CHECKS = ["load", "console", "scripts", "resources", "cards", "charts", "tables", "overflow", "screenshot"]


class BrowserError(Exception):
    """The browser did not start, answer or load in time, or answered with an error."""


# --- The browser ------------------------------------------------------------------------------

class Browser:
    """chromium-headless-shell driven over --remote-debugging-pipe. Use as a context manager: the
    process group is killed on exit, whatever happened."""

    def __init__(self, binary, workdir):
        self.binary = binary
        self.workdir = workdir
        self.proc = None
        self.buffer = b""
        self.next_id = 0
        self.events = []  # (sessionId, method, params), in arrival order

    def __enter__(self):
        profile = tempfile.mkdtemp(prefix="profile-", dir=self.workdir)
        args = [self.binary, "--headless", "--disable-gpu", "--remote-debugging-pipe",
                f"--user-data-dir={profile}", f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--mute-audio",
                # Nothing may reach the network, even a page that tries: every host fails to resolve.
                "--host-resolver-rules=MAP * ~NOTFOUND"]
        if os.geteuid() == 0:
            args.append("--no-sandbox")
        # Our ends of two pipes: we write commands into to_browser, read answers from from_browser.
        child_in, self.to_browser = os.pipe()
        self.from_browser, child_out = os.pipe()
        # Move the child's ends above 10 so that placing them on 3 and 4 cannot clobber each other.
        high_in = fcntl.fcntl(child_in, fcntl.F_DUPFD_CLOEXEC, 10)
        high_out = fcntl.fcntl(child_out, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(child_in)
        os.close(child_out)

        def place_pipes():  # in the child, before exec: dup2 clears close-on-exec on 3 and 4
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        self.log = open(os.path.join(self.workdir, "chromium.log"), "wb")
        try:
            try:
                self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                             preexec_fn=place_pipes, close_fds=False, start_new_session=True)
            finally:  # closed before reading, so that a browser that dies is seen as end of file
                os.close(high_in)
                os.close(high_out)
            self.send("Target.getBrowserContexts")  # proves the browser is up and answering
        except (BrowserError, OSError) as error:
            self.__exit__()
            raise BrowserError(f"the browser did not start: {error}\nchromium's log ends:\n{self.log_tail()}") from None
        return self

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.send("Browser.close", timeout=5)
                self.proc.wait(timeout=5)
            except (BrowserError, OSError, subprocess.TimeoutExpired):
                pass
        if self.proc is not None:
            # Whatever is left of our own process group (start_new_session): the browser if it did
            # not close, its helpers if they outlived it. The group id stays ours while it has members.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        for fd in (self.to_browser, self.from_browser):
            os.close(fd)
        self.log.close()
        return False

    def log_tail(self):
        with open(os.path.join(self.workdir, "chromium.log"), "rb") as log:
            return log.read()[-2000:].decode("utf-8", "replace")

    def send(self, method, params=None, session=None, timeout=STEP_TIMEOUT):
        """Sends one command and returns its result; events that arrive meanwhile are kept."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        deadline = time.monotonic() + timeout
        while data:
            if not select.select([], [self.to_browser], [], max(0, deadline - time.monotonic()))[1]:
                raise BrowserError(f"{method}: the browser did not read the command within {timeout:.0f} s")
            data = data[os.write(self.to_browser, data):]
        while True:
            answer = self._receive(deadline, method)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error'].get('message')}")
                return answer.get("result", {})

    def wait_event(self, method, session, timeout=STEP_TIMEOUT):
        """Returns the params of the first `method` event of `session` (already kept or to come)."""
        deadline = time.monotonic() + timeout
        while True:
            for event_session, event_method, params in self.events:
                if event_session == session and event_method == method:
                    return params
            self._receive(deadline, method)

    def _receive(self, deadline, waiting_for):
        """Reads one message; keeps it if it is an event, and returns it."""
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.from_browser], [], [], remaining)[0]:
                raise BrowserError(f"{waiting_for}: no answer from the browser within the timeout")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                try:
                    status = self.proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    status = "unknown"
                raise BrowserError(f"{waiting_for}: the browser closed its pipe (exit status {status})")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message = json.loads(raw)
        if "method" in message:
            self.events.append((message.get("sessionId"), message["method"], message.get("params", {})))
        return message


# What the page looks like from inside: one expression, evaluated once the page has loaded.
PROBE = r"""(() => {
  const text = e => (e ? e.textContent.trim() : "");
  const size = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  const tableAfter = title => {
    const heading = [...document.querySelectorAll("h2")].find(h => text(h) === title);
    if (!heading) return null;
    const next = heading.nextElementSibling;
    const table = next && (next.matches("table") ? next : next.querySelector("table"));
    return {
      wrapped: !!(next && next.matches("div.wide") && getComputedStyle(next).overflowX === "auto"),
      none: !table && text(next) === "None.",
      rows: table && table.tBodies.length ? [...table.tBodies[0].rows].map(r => [...r.cells].map(text)) : [],
    };
  };
  const bars = svg => {   // each bar: a label <text> (full label in <title>), a <rect>, a value <text>
    const out = [];
    for (const node of svg.children) {
      const title = node.querySelector && node.querySelector("title");
      if (node.tagName === "text" && title) out.push({label: text(title), width: 0, value: null});
      else if (node.tagName === "rect" && out.length) out[out.length - 1].width = size(node)[0];
      else if (node.tagName === "text" && out.length) out[out.length - 1].value = text(node);
    }
    return out;
  };
  const all = [...document.querySelectorAll("*")];
  return {
    scripts: document.querySelectorAll("script").length,
    handlers: all.flatMap(e => [...e.attributes].filter(a => /^on/i.test(a.name))
                                                 .map(a => e.localName + "[" + a.name + "]")),
    jsUrls: all.filter(e => /^\s*javascript:/i.test(e.getAttribute("href") || e.getAttribute("src") || "")).length,
    resources: performance.getEntriesByType("resource").map(e => e.name),
    cards: [...document.querySelectorAll(".cards .card")].map(c => {
      const value = text(c.querySelector("b"));
      return {value, label: text(c).slice(value.length).trim(), size: size(c)};
    }),
    charts: [...document.querySelectorAll("svg")].map(svg => ({
      caption: text(svg.closest("figure") && svg.closest("figure").querySelector("figcaption")),
      size: size(svg),
      bars: bars(svg),
    })),
    orgs: tableAfter("Organisations"),
    users: tableAfter("Users"),
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,  // the viewport less a vertical scrollbar
  };
})()"""


def evaluate(browser, session, expression):
    answer = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                               "awaitPromise": True}, session)
    if "exceptionDetails" in answer:
        raise BrowserError(f"probe failed: {answer['exceptionDetails'].get('text')}")
    return answer["result"].get("value")


def set_viewport(browser, session, width, height):
    browser.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                        "deviceScaleFactor": 1, "mobile": False}, session)


def inspect_page(browser, html_path, screenshot_path=None):
    """Loads one page in a fresh tab and returns what the checks need."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session=session)
        set_viewport(browser, session, *VIEWPORT)
        first_event = len(browser.events)
        url = "file://" + os.path.abspath(html_path)
        navigation = browser.send("Page.navigate", {"url": url}, session)
        facts = {"url": url, "load_error": navigation.get("errorText")}
        if not facts["load_error"]:
            browser.wait_event("Page.loadEventFired", session)
            evaluate(browser, session, "document.fonts.ready.then(() => true)")
            facts.update(evaluate(browser, session, PROBE))
            # The small capture is what the blank check decodes; the full page is for people.
            facts["screenshot"] = capture(browser, session, scale=0.25)
            if screenshot_path:
                with open(screenshot_path, "wb") as png:
                    png.write(capture(browser, session, scale=1, full_page=True))
            set_viewport(browser, session, NARROW_WIDTH, VIEWPORT[1])
            facts["narrow"] = evaluate(browser, session, "[document.documentElement.scrollWidth, "
                                                         "document.documentElement.clientWidth]")
        page_events = [(m, p) for s, m, p in browser.events[first_event:] if s == session]
        facts["events"] = page_events
        return facts
    finally:
        browser.send("Target.closeTarget", {"targetId": target})


def capture(browser, session, scale, full_page=False):
    width, height = VIEWPORT
    if full_page:
        content = browser.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
        width, height = max(width, content["width"]), max(height, content["height"])
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": scale}
    shot = browser.send("Page.captureScreenshot", {"format": "png", "clip": clip,
                                                   "captureBeyondViewport": full_page}, session)
    return base64.b64decode(shot["data"])


# --- PNG ----------------------------------------------------------------------------------------

def png_pixels(data):
    """(width, height, rows of pixel tuples) of an 8-bit, non-interlaced RGB or RGBA PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    position, idat, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    channels = 4 if colour == 6 else 3
    stride = width * channels
    raw = zlib.decompress(b"".join(idat))
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # undo the row filter (PNG spec, section 9)
            left = row[i - channels] if i >= channels else 0
            up = previous[i]
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                upper_left = previous[i - channels] if i >= channels else 0
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                row[i] = (row[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else upper_left)) & 0xFF
        rows.append([tuple(row[x:x + channels]) for x in range(0, stride, channels)])
        previous = row
    return width, height, rows


# --- The checks ---------------------------------------------------------------------------------

def expected_charts(report):
    """Chart caption -> {label: figure}, for every chart the json data calls for (the html leaves
    out a chart with nothing to show). The users chart shows at most ten users."""
    fleet = report["fleet"]
    risky_users = {u["user"]: u["risky"] for u in report["users"] if u["risky"] > 0}
    charts = {
        "Decisions by category": fleet["categories"],
        "Decisions by route": fleet["routes"],
        "Risky decisions by severity": fleet["severities"],
        "Risky decisions per day (UTC)": fleet["risky_by_day"],
        "Users with the most risky decisions": risky_users,
        "Top rules": {r["rule"]: r["decisions"] for r in fleet["top_rules"]},
    }
    return {caption: bars for caption, bars in charts.items() if bars}


def check_page(facts, source, report):
    """Check name -> list of failure messages (empty: passed)."""
    failures = {name: [] for name in CHECKS}
    if facts.get("load_error"):
        failures["load"].append(f"{facts['url']} did not load: {facts['load_error']}")
        return failures
    events = facts["events"]

    # console: uncaught exceptions, console.error, and browser log entries of level error.
    for method, params in events:
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            described = details.get("exception", {}).get("description", details.get("text", ""))
            failures["console"].append("uncaught exception: " + described)
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            arguments = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            failures["console"].append(f"console.{params['type']}: {arguments}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            failures["console"].append(f"log error ({params['entry']['source']}): {params['entry']['text']}")

    # scripts
    if facts["scripts"]:
        failures["scripts"].append(f"{facts['scripts']} <script> element(s); the report must work without scripts")
    if facts["handlers"]:
        failures["scripts"].append("event-handler attributes: " + ", ".join(facts["handlers"][:5]))
    if facts["jsUrls"]:
        failures["scripts"].append(f"{facts['jsUrls']} javascript: URL(s)")

    # resources: only the file itself (data: URLs are inline, so self-contained).
    requested = [p["request"]["url"] for m, p in events if m == "Network.requestWillBeSent"]
    fetched = sorted({u for u in requested + facts["resources"] if u != facts["url"] and not u.startswith("data:")})
    if fetched:
        failures["resources"].append("loads resources other than the file itself: " + ", ".join(fetched))

    # cards: the fleet totals of the json report.
    fleet = report["fleet"]
    expected_cards = {"decisions": fleet["decisions"], "risky": fleet["risky"], "users": len(report["users"]),
                      "organisations": len(report["orgs"]), "blocked": fleet["routes"].get("block", 0)}
    shown = {card["label"]: card for card in facts["cards"]}
    for label, figure in expected_cards.items():
        card = shown.get(label)
        if card is None:
            failures["cards"].append(f"no summary card {label!r} (cards: {sorted(shown) or 'none'})")
        elif card["value"] != str(figure):
            failures["cards"].append(f"card {label!r} shows {card['value']!r}, the json report says {figure}")
        elif min(card["size"]) <= 0:
            failures["cards"].append(f"card {label!r} is not rendered (size {card['size']})")

    # charts: every svg in the source rendered inline with a size and bars; the json's figures.
    charts = facts["charts"]
    in_source = len(re.findall(r"<svg\b", source, re.IGNORECASE))
    if len(charts) != in_source:
        failures["charts"].append(f"the source has {in_source} <svg> elements, the page renders {len(charts)}")
    for index, chart in enumerate(charts):
        name = chart["caption"] or f"svg #{index + 1} (no figcaption)"
        if min(chart["size"]) <= 0:
            width, height = chart["size"]
            failures["charts"].append(f"chart {name!r} has no rendered size ({width:.0f}x{height:.0f})")
        if not chart["bars"] or any(bar["width"] <= 0 for bar in chart["bars"]):
            failures["charts"].append(f"chart {name!r} has missing or zero-width bars")
    rendered = {chart["caption"]: {bar["label"]: bar["value"] for bar in chart["bars"]} for chart in charts}
    for caption, figures in expected_charts(report).items():
        if caption not in rendered:
            failures["charts"].append(f"no chart {caption!r}, though the json report has data for it")
            continue
        shown, expected = rendered[caption], {label: str(value) for label, value in figures.items()}
        if caption.startswith("Users"):  # the ten riskiest only
            if len(shown) == min(10, len(expected)):
                expected = {label: expected.get(label, "none") for label in shown}
        differences = [f"{label}: {shown.get(label, 'no bar')} (json: {expected.get(label, 'none')})"
                       for label in sorted(set(shown) | set(expected)) if shown.get(label) != expected.get(label)]
        if differences:
            failures["charts"].append(f"chart {caption!r} differs from the json report: " + ", ".join(differences))

    # tables: one row per organisation and per user, with the json's decisions and risky.
    for title, key, name_field in (("Organisations", "orgs", "org"), ("Users", "users", "user")):
        table = facts[key]
        expected = sorted((entry[name_field], str(entry["decisions"]), str(entry["risky"])) for entry in report[key])
        if table is None:
            failures["tables"].append(f"no {title!r} section")
            continue
        if not table["rows"] and not table["none"]:
            failures["tables"].append(f"the {title!r} section has no table")
            continue
        columns = (0, 2, 3)  # name, decisions, risky, in both tables
        rows = sorted(tuple(row[c] if c < len(row) else "" for c in columns) for row in table["rows"])
        if len(rows) != len(expected):
            failures["tables"].append(f"the {title!r} table has {len(rows)} rows, "
                                      f"the json report has {len(expected)} {key}")
        elif rows != expected:
            wrong = [f"{row} (json: {want})" for row, want in zip(rows, expected) if row != want]
            failures["tables"].append(f"the {title!r} table's (name, decisions, risky) differ from the json report: "
                                      + ", ".join(wrong))
        if table["rows"] and not table["wrapped"]:
            failures["tables"].append(f"the {title!r} table is not inside a div.wide that scrolls on its own")

    # overflow: no horizontal scrolling of the page itself (clientWidth leaves out a vertical scrollbar).
    widths = ((VIEWPORT[0], (facts["scrollWidth"], facts["clientWidth"])), (NARROW_WIDTH, facts["narrow"]))
    for width, (scroll, inner) in widths:
        if scroll > inner:
            failures["overflow"].append(f"at {width} px the page is {scroll} px wide, wider than the {inner} px it has")

    # screenshot: more than one colour, and some ink besides the background.
    try:
        width, height, rows = png_pixels(facts["screenshot"])
        counts = {}
        for row in rows:
            for pixel in row:
                counts[pixel] = counts.get(pixel, 0) + 1
        background = max(counts, key=counts.get)
        ink = 1 - counts[background] / (width * height)
        if len(counts) < 2 or ink < 0.005:
            failures["screenshot"].append(f"the screenshot is blank: {len(counts)} colour(s), "
                                          f"{ink:.2%} of pixels off the background")
    except (ValueError, zlib.error, struct.error, TypeError) as error:
        failures["screenshot"].append(f"the screenshot could not be decoded: {error}")
    return failures


# --- Producing the report -----------------------------------------------------------------------

def run(command, stdin=None):
    try:
        with open(stdin or os.devnull, "rb") as source:
            result = subprocess.run(command, stdin=source, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SystemExit(f"FAIL: {' '.join(command)}: {error}")
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise SystemExit(f"FAIL: {' '.join(command)} exited {result.returncode}: {message}")
    return result.stdout


def make_report(switchyard, rules, workdir):
    """Routes requests.jsonl with an audit log; returns the paths of the html and json reports."""
    audit = os.path.join(workdir, "audit.jsonl")
    if os.path.exists(audit):
        os.remove(audit)  # a kept --out directory: start a new chain, not append to the last one
    route = [switchyard, "route", "--audit", audit] + (["--rules", rules] if rules else [])
    run(route, stdin=REQUESTS)
    paths = {}
    for form in ("html", "json"):
        paths[form] = os.path.join(workdir, f"report.{form}")
        with open(paths[form], "wb") as out:
            out.write(run([switchyard, "report", "--audit", audit, "--format", form]))
    return paths["html"], paths["json"]


# --- Self-test: broken copies must be rejected by the checks they target -------------------------

def first(pattern, html):
    match = re.search(pattern, html, re.DOTALL)
    if not match:
        raise SystemExit(f"FAIL: self-test: the good report has no {pattern!r} to break")
    return match


def mutations(html):
    """(name, the checks that must reject it and no others, broken html). A blocked fetch is also
    logged as a console error, so external resources fail both resources and console."""
    card = first(r"<b>(\d+)</b>decisions", html)
    figure = first(r"<figure>.*?</figure>\n?", html)
    value = first(r"<rect [^>]*></rect><text [^>]*>(\d+)<", html)  # a bar's figure
    users = html.index("<h2>Users</h2>")
    row = first(r"<tbody>\n(<tr>.*?</tr>\n)", html[users:])
    body = first(r"<body>.*</body>", html)

    def at_end(fragment):
        return html.replace("</body>", fragment + "</body>")

    def replace(match, group, text, offset=0):
        return html[:offset + match.start(group)] + text + html[offset + match.end(group):]

    return [
        ("script injected", {"scripts"}, at_end("<script>document.title = 'x';</script>")),
        ("script that throws", {"console", "scripts"}, at_end("<script>throw new Error('boom')</script>")),
        ("event handler", {"scripts"}, html.replace("<body>", '<body onload="void 0">', 1)),
        ("external image", {"resources", "console"}, at_end('<img src="https://cdn.example.com/logo.png" alt="">')),
        ("external stylesheet", {"resources", "console"},
         html.replace("</head>", '<link rel="stylesheet" href="https://cdn.example.com/site.css"></head>')),
        ("chart removed", {"charts"}, replace(figure, 0, "")),
        ("chart without size", {"charts"}, html.replace('<svg width="100%"', '<svg width="0"', 1)),
        ("chart figure changed", {"charts"}, replace(value, 1, str(int(value.group(1)) + 1))),
        ("card figure changed", {"cards"}, replace(card, 1, str(int(card.group(1)) + 1))),
        ("card removed", {"cards"}, html.replace(f'<div class="card">{card.group(0)}</div>', "", 1)),
        ("table row removed", {"tables"}, replace(row, 1, "", offset=users)),
        ("wide element", {"overflow"}, at_end('<div style="width:2400px">wide</div>')),
        ("table not wrapped", {"overflow", "tables"}, html.replace('<div class="wide">', "<div>")),
        ("empty body", {"screenshot", "cards", "charts", "tables"}, replace(body, 0, "<body></body>")),
    ]


def self_test(browser, html_path, report, workdir):
    with open(html_path, encoding="utf-8") as source:
        good = source.read()
    problems = []
    verdict = check_page(inspect_page(browser, html_path), good, report)
    failed = {name for name, messages in verdict.items() if messages}
    if failed:
        problems.append("the good report is rejected: " + "; ".join(f"{c}: {m}" for c in CHECKS for m in verdict[c]))
    print("ok   original report: accepted" if not failed else f"FAIL original report: rejected by {', '.join(sorted(failed))}")
    for index, (name, targets, html) in enumerate(mutations(good)):
        if html == good:
            problems.append(f"{name}: the mutation changed nothing")
            continue
        path = os.path.join(workdir, f"broken-{index:02d}.html")
        with open(path, "w", encoding="utf-8") as out:
            out.write(html)
        verdict = check_page(inspect_page(browser, path), html, report)
        failed = {check for check, messages in verdict.items() if messages}
        print(f"{'ok' if failed == targets else 'FAIL':4} {name}: rejected by {', '.join(sorted(failed)) or 'nothing'}")
        if failed != targets:
            problems.append(f"{name}: rejected by {sorted(failed)}, expected exactly {sorted(targets)}: "
                            + "; ".join(m for check in sorted(failed ^ targets) for m in verdict[check]))
    return problems


# --- Main -------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--switchyard", required=True, help="the switchyard binary")
    parser.add_argument("--rules", help="rule pack directory (default: the binary's own lookup)")
    parser.add_argument("--out", help="keep the audit log, reports and a full-page screenshot here")
    parser.add_argument("--self-test", action="store_true", help="prove that broken reports are rejected")
    args = parser.parse_args()

    chromium = os.environ.get("CHROMIUM", DEFAULT_CHROMIUM)
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        if os.environ.get("SWITCHYARD_SKIP_BROWSER") == "1":
            print(f"SKIP: no browser at {chromium} (SWITCHYARD_SKIP_BROWSER=1); the HTML report was not checked")
            return 0
        print(f"FAIL: no browser at {chromium}. Install it with `apt-get install -y chromium-headless-shell`, "
              "point CHROMIUM at a chromium-headless-shell binary, or set SWITCHYARD_SKIP_BROWSER=1 to skip.")
        return 1

    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="switchyard-html-")
    try:
        outdir = os.path.abspath(args.out) if args.out else workdir
        os.makedirs(outdir, exist_ok=True)
        html_path, json_path = make_report(args.switchyard, args.rules, outdir)
        with open(html_path, encoding="utf-8") as source:
            html = source.read()
        with open(json_path, encoding="utf-8") as source:
            report = json.load(source)
        screenshot = os.path.join(outdir, "report.png") if args.out else None
        try:
            with Browser(chromium, workdir) as browser:
                try:
                    if args.self_test:
                        problems = self_test(browser, html_path, report, workdir)
                    else:
                        verdict = check_page(inspect_page(browser, html_path, screenshot), html, report)
                        problems = [f"{name}: {message}" for name in CHECKS for message in verdict[name]]
                except BrowserError as error:
                    raise BrowserError(f"{error}\nchromium's log ends:\n{browser.log_tail()}") from None
        except (BrowserError, OSError) as error:
            print(f"FAIL: browser: {error}")
            return 1
        elapsed = time.monotonic() - started
        what = "self-test" if args.self_test else "HTML report"
        if problems:
            for problem in problems:
                print("FAIL: " + problem)
            print(f"{what}: {len(problems)} problem(s) in {elapsed:.1f} s")
            return 1
        if args.self_test:
            print(f"self-test: ok, the original accepted and {len(mutations(html))} broken copies rejected by exactly "
                  f"their checks in {elapsed:.1f} s")
        else:
            print(f"HTML report: ok, {len(CHECKS)} checks passed ({report['fleet']['decisions']} decisions, "
                  f"{len(report['orgs'])} organisations, {len(report['users'])} users, "
                  f"{len(re.findall(r'<svg', html))} charts) in {elapsed:.1f} s")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
