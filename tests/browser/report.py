#!/usr/bin/env python3
"""The HTML reports, opened in a real headless Chromium.

For the example cohort this writes the solve, what-if and alternatives
reports with the mentormatch binary, opens each in Chromium (Debian's
`chromium-headless-shell` or `chromium`) over the DevTools protocol on a
pipe (no websocket, no extra package), and fails unless:

- the page loads with no console error, no uncaught exception and no
  error logged by the browser;
- it asks for nothing over the network (the file itself only);
- every mentee's name is in the DOM (the solve report: in the pairs or
  the unmatched), and the matching picture draws one link per pair;
- every SVG is laid out with a non-zero size;
- it prints (a PDF of at least one page).

With --screenshots DIR it also writes `report.png` (the top of the solve
report) and `report-hours.png` (its hours section) there; the README shows
the copies kept in docs/.

Usage: python3 tests/browser/report.py [--bin target/debug/mentormatch]
       [--screenshots docs] [--keep DIR]
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "cmr-2021")


def chromium():
    """The Chromium binary: $CHROMIUM, else Debian's headless shell or browser."""
    for c in [os.environ.get("CHROMIUM"), "/usr/lib/chromium/chromium-headless-shell",
              shutil.which("chromium-headless-shell"), shutil.which("chromium")]:
        if c and os.path.exists(c):
            return c
    sys.exit("no Chromium found: run `bash .ci/chromium.sh` (installs Debian's chromium-headless-shell)")


class Browser:
    """Chromium driven over --remote-debugging-pipe (fd 3 in, fd 4 out;
    messages are JSON ended by NUL)."""

    def __init__(self, binary, profile):
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()

        def fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [binary, "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}",
             "about:blank"],
            pass_fds=(3, 4), preexec_fn=fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._out = os.fdopen(self._w, "wb")
        self._in = os.fdopen(self._r, "rb")
        self._buf = b""
        self._next = 0
        self.events = []

    def _recv(self, deadline):
        while b"\0" not in self._buf:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = self._in.read1(1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=60):
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._out.write(json.dumps(msg).encode() + b"\0")
        self._out.flush()
        deadline = time.monotonic() + timeout
        while True:
            m = self._recv(deadline)
            if m.get("id") == self._next:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_for(self, event, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            for k, m in enumerate(self.events):
                if m.get("method") == event:
                    del self.events[: k + 1]
                    return m
            self.events.append(self._recv(deadline))

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Page:
    """One tab, recording what it logs and requests."""

    def __init__(self, browser):
        self.b = browser
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.s = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ["Page", "Runtime", "Log", "Network"]:
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})

    def call(self, method, params=None):
        return self.b.call(method, params, self.s)

    def open(self, path):
        self.b.events.clear()
        url = "file://" + os.path.abspath(path)
        self.call("Page.navigate", {"url": url})
        self.b.wait_for("Page.loadEventFired")
        # Let late messages (console, log) arrive.
        self.eval("new Promise(r => setTimeout(r, 200))", awaited=True)
        problems, requests = [], []
        for m in self.b.events:
            method, p = m.get("method"), m.get("params", {})
            if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                problems.append(f"console {p['type']}: {[a.get('value') for a in p.get('args', [])]}")
            elif method == "Runtime.exceptionThrown":
                problems.append(f"exception: {p['exceptionDetails'].get('text')}")
            elif method == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
                problems.append(f"log {p['entry']['level']}: {p['entry'].get('text')}")
            elif method == "Network.requestWillBeSent":
                requests.append(p["request"]["url"])
        others = [u for u in requests if u != url and not u.startswith("data:")]
        if others:
            problems.append(f"network requests: {others}")
        return problems

    def eval(self, expression, awaited=False):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": awaited})
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, path, selector=None, height=1400):
        clip = {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}
        if selector:
            box = self.eval(f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                            ".getBoundingClientRect(); return [r.x, r.y + window.scrollY, r.width, r.height]; })()")
            clip = {"x": 0, "y": box[1] - 8, "width": 1280, "height": min(box[3] + 16, height), "scale": 1}
        shot = self.call("Page.captureScreenshot", {"format": "png", "clip": clip,
                                                    "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def pdf_pages(self):
        pdf = base64.b64decode(self.call("Page.printToPDF", {"printBackground": True})["data"])
        if not pdf.startswith(b"%PDF"):
            return 0
        return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


def run(binary, args, out):
    subprocess.run([binary, *args, "-o", out], check=True, cwd=ROOT)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "mentormatch"))
    ap.add_argument("--screenshots", help="write report.png and report-hours.png here")
    ap.add_argument("--keep", help="write the reports here (default: a temporary folder)")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="mentormatch-report-")
    os.makedirs(work, exist_ok=True)
    request = os.path.join(EXAMPLE, "request.json")
    with open(request) as f:
        req = json.load(f)
    mentees = [m["profile"]["name"] for m in req["mentees"]]
    first = req["mentees"][0]["profile"]["id"]
    reports = {
        "solve": ["solve", request, "--format", "html"],
        "whatif": ["whatif", os.path.join(EXAMPLE, "whatif.json"), "--format", "html"],
        "alternatives": ["alternatives", request, "--mentee", first, "--format", "html"],
    }
    for name, args in reports.items():
        run(a.bin, args, os.path.join(work, f"{name}.html"))
    subprocess.run([a.bin, "solve", request, "-o", os.path.join(work, "response.json")], check=True)
    with open(os.path.join(work, "response.json")) as f:
        pairs = len(json.load(f).get("pairs", []))

    failures = []
    browser = Browser(chromium(), os.path.join(work, "profile"))
    try:
        page = Page(browser)
        for name in reports:
            path = os.path.join(work, f"{name}.html")
            problems = page.open(path)
            failures += [f"{name}: {p}" for p in problems]
            sizes = page.eval("[...document.querySelectorAll('svg')].map(s => "
                              "{ const r = s.getBoundingClientRect(); return r.width * r.height; })")
            if any(s <= 0 for s in sizes):
                failures.append(f"{name}: an SVG has no size ({sizes})")
            pages = page.pdf_pages()
            if pages < 1:
                failures.append(f"{name}: printing gave no page")
            print(f"{name}: {len(sizes)} SVG(s), {pages} printed page(s), {len(problems)} problem(s)")
            if name == "solve":
                text = page.eval("(document.querySelector('#pairs')?.textContent ?? '') + "
                                 "(document.querySelector('#unmatched')?.textContent ?? '')")
                missing = [m for m in mentees if m not in text]
                if missing:
                    failures.append(f"solve: mentees not in the pairs or the unmatched: {missing}")
                links = page.eval("document.querySelectorAll('#matching svg path').length")
                if links != pairs:
                    failures.append(f"solve: the picture draws {links} links for {pairs} pairs")
                print(f"solve: all {len(mentees)} mentees named, {links} links for {pairs} pairs")
                if a.screenshots:
                    os.makedirs(a.screenshots, exist_ok=True)
                    page.screenshot(os.path.join(a.screenshots, "report.png"), height=1500)
                    page.screenshot(os.path.join(a.screenshots, "report-hours.png"), "#hours", height=1100)
    finally:
        browser.close()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("the reports render cleanly in Chromium" + (f" ({work})" if a.keep else ""))


if __name__ == "__main__":
    main()
