"""Print the load run's table: per flow and request, count, errors, median and p95 (ms); server errors; documents/min."""

import argparse
import csv
import sys
from collections import Counter

parser = argparse.ArgumentParser()
parser.add_argument("stats")
parser.add_argument("access_log")
parser.add_argument("--documents", type=int, default=0)
parser.add_argument("--failed-documents", type=int, default=0)
parser.add_argument("--pending-documents", type=int, default=0)
parser.add_argument("--seconds", type=int, required=True)
parser.add_argument("--users", type=int, default=50)
args = parser.parse_args()

rows = list(csv.DictReader(open(args.stats)))
statuses = Counter(line.split(" ", 1)[0] for line in open(args.access_log) if line.strip())
server_errors = sum(count for status, count in statuses.items() if status.startswith("5"))

print(f"{'flow: request':<48} {'count':>6} {'errors':>6} {'median':>7} {'p95':>7}  goal")
print("-" * 86)
over_goal = []
for row in sorted(rows, key=lambda r: r["Name"]):
    if row["Name"] == "Aggregated":
        continue
    count, failures = int(row["Request Count"]), int(row["Failure Count"])
    median, p95 = round(float(row["Median Response Time"])), round(float(row["95%"]))
    goal = (
        None
        if "setup, " in row["Name"]
        else 300
        if "[page]" in row["Name"]
        else 200
        if "[api]" in row["Name"]
        else None
    )
    flag = "" if goal is None else ("ok" if float(p95) <= goal else f"> {goal}")
    if flag.startswith(">"):
        over_goal.append(row["Name"])
    print(f"{row['Name'][:48]:<48} {count:>6} {failures:>6} {median:>7} {p95:>7}  {flag}")
total = next(r for r in rows if r["Name"] == "Aggregated")
print("-" * 86)
print(
    f"{'all requests':<48} {total['Request Count']:>6} {total['Failure Count']:>6} "
    f"{round(float(total['Median Response Time'])):>7} {round(float(total['95%'])):>7}"
)
minutes = args.seconds / 60
print(f"\nusers {args.users}, duration {args.seconds} s; HTTP status counts: {dict(sorted(statuses.items()))}")
print(f"server errors (5xx): {server_errors}")
print(
    f"documents produced: {args.documents} ({args.documents / minutes:.1f} per minute); "
    f"failed: {args.failed_documents}; still queued or running at the end: {args.pending_documents}"
)
if over_goal:
    print(f"p95 over goal: {', '.join(over_goal)}")
sys.exit(1 if server_errors else 0)
