#!/bin/sh
# bench_smoke: every workload at tiny sizes must finish with no error and write valid JSON that
# holds each workload's result. Timing is never judged here.
set -eu
bench="$1"
out="$2"
rm -f "$out"
"$bench" all --smoke --quiet --json "$out"
python3 - "$out" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
results = report["results"]
wanted = ["storage", "echo", "idle", "connect", "chat-peak", "chat-open", "push", "pull", "dashboard"]
missing = [w for w in wanted if w not in results]
assert not missing, "missing workloads: %s" % missing
bad = {w: r.get("first_error", r["errors"]) for w, r in results.items() if r["errors"] != 0}
assert not bad, "errors: %s" % bad
assert results["chat-peak"]["delivered"] > 0 and results["pull"]["rows"] >= 500 and results["push"]["applied"] == 300
assert results["dashboard"]["50"]["coach_caseload"]["calls"] == 20
assert report["errors"] == 0
print("bench_smoke: %d workloads, no errors" % len(results))
PY
