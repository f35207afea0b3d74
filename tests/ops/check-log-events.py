#!/usr/bin/env python3
"""Every event the server logs is named in docs/operations.md ("Logs").

Scans server/src for log::info/warn/error/write("event", ...) and the periodic jobs (a job named
N logs "N_pass_failed" when a pass throws), and fails listing the events the doc does not name
as `event`. Usage: check-log-events.py [SOURCE_DIR]
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2])
doc = (root / "docs/operations.md").read_text(encoding="utf-8")
logs = doc[doc.index("## Logs"):]
logs = logs[:logs.index("\n## ", 1)] if "\n## " in logs[1:] else logs
documented = set(re.findall(r"`([a-z0-9_]+)`", logs))

call = re.compile(r'log::(?:info|warn|error|debug|write)\(\s*(?:[\w:]+\s*,\s*)?"([a-z0-9_]+)"')
periodic = re.compile(r'PeriodicTask\s+\w+\(\s*"([a-z0-9_]+)"')
found = {}
for path in sorted((root / "server/src").rglob("*")):
    if path.suffix not in (".cpp", ".h", ".hpp"):
        continue
    text = path.read_text(encoding="utf-8")
    for m in call.finditer(text):
        found.setdefault(m.group(1), str(path.relative_to(root)))
    for m in periodic.finditer(text):
        found.setdefault(m.group(1) + "_pass_failed", str(path.relative_to(root)))

if len(found) < 20:
    print(f"found only {len(found)} log events under {root}/server/src: the scan is broken", file=sys.stderr)
    sys.exit(1)
missing = sorted(e for e in found if e not in documented)
for e in missing:
    print(f"event `{e}` ({found[e]}) is not in docs/operations.md, section Logs", file=sys.stderr)
if missing:
    sys.exit(1)
print(f"{len(found)} log events, all documented in docs/operations.md")
