"""The no-loss invariant of the pipeline, and the load that tests it.

Every event sent carries a unique nonce (tags.chaos_nonce), so the table and
the dead-letter queue can be matched against what each client was told:

  - every event that got a 202 is in the table exactly once, or in the DLQ;
  - nothing that got a 4xx is stored (nor queued to the DLQ);
  - no event is stored twice (two items with the same nonce);
  - a 503 (or a connection error) may or may not have been stored: counted.

`send_events` plays the clients; `check` compares their records with the
table's items and the DLQ's messages and returns the counts that the final
line reports.
"""
import json
import random
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field

NONCE_TAG = "chaos_nonce"


@dataclass
class Sent:
    nonce: str
    kind: str            # "valid" or "invalid"
    status: int          # HTTP status, 0 for a connection error
    event_id: str = ""   # from a 202


@dataclass
class Verdict:
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    unavailable: int = 0          # 503 or no answer: may or may not be stored
    unavailable_stored: int = 0
    lost: int = 0
    duplicated: int = 0
    rejected_stored: int = 0
    in_dlq: int = 0
    problems: list = field(default_factory=list)

    def ok(self):
        return self.lost == 0 and self.duplicated == 0 and self.rejected_stored == 0


def make_event(rng, nonce, valid):
    """A temperature event (or one broken in a seeded way) carrying the nonce."""
    value = round(rng.uniform(-40, 60), 2)
    ev = {"source": f"chaos-{rng.randrange(50)}", "type": "temperature",
          "payload": {"value": value, "unit": "celsius"}, "tags": {NONCE_TAG: nonce}}
    if not valid:
        how = rng.randrange(3)
        if how == 0:
            ev["payload"]["value"] = 5000          # above maximum
        elif how == 1:
            del ev["source"]                       # required member missing
        else:
            ev["type"] = "no-such-type"            # not in the enum
    return ev


def post(url, body, timeout=30):
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def send_events(url, count, seed, clients=4, invalid_ratio=0.1):
    """Sends COUNT events from CLIENTS threads; returns the list of Sent."""
    records = []
    lock = threading.Lock()

    def client(k):
        rng = random.Random(f"{seed}:{k}")
        mine = []
        for i in range(k, count, clients):
            nonce = f"{seed}-{i}"
            valid = rng.random() >= invalid_ratio
            body = json.dumps(make_event(rng, nonce, valid)).encode()
            status, answer = post(url, body)
            rec = Sent(nonce, "valid" if valid else "invalid", status)
            if status == 202:
                rec.event_id = json.loads(answer)["eventId"]
            mine.append(rec)
        with lock:
            records.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return records


def nonce_of_item(item):
    """The nonce of a DynamoDB item (AttributeValue map), or None."""
    tags = item.get("tags", {}).get("M", {})
    return tags.get(NONCE_TAG, {}).get("S")


def nonce_of_body(body):
    try:
        return json.loads(body).get("tags", {}).get(NONCE_TAG)
    except (ValueError, AttributeError):
        return None


def check(records, items, dlq_bodies):
    """Compares what clients were told with the table items and DLQ bodies."""
    v = Verdict(sent=len(records))
    stored = {}
    for it in items:
        n = nonce_of_item(it)
        if n is not None:
            stored.setdefault(n, []).append(it.get("event_id", {}).get("S"))
    in_dlq = {n for n in (nonce_of_body(b) for b in dlq_bodies) if n is not None}
    v.in_dlq = len(in_dlq)
    for r in records:
        ids = stored.get(r.nonce, [])
        if len(ids) > 1:
            v.duplicated += 1
            v.problems.append(f"event {r.nonce} stored {len(ids)} times: {ids}")
        if r.status == 202:
            v.accepted += 1
            if not ids and r.nonce not in in_dlq:
                v.lost += 1
                v.problems.append(f"event {r.nonce} (id {r.event_id}) got 202 but is neither stored nor in the DLQ")
            elif ids and ids[0] != r.event_id:
                v.problems.append(f"event {r.nonce} stored under id {ids[0]}, client was told {r.event_id}")
                v.duplicated += 1
        elif 400 <= r.status < 500:
            v.rejected += 1
            if ids or r.nonce in in_dlq:
                v.rejected_stored += 1
                v.problems.append(f"event {r.nonce} got {r.status} but was stored or queued")
        else:
            v.unavailable += 1
            if ids:
                v.unavailable_stored += 1
    return v


def summary_line(v, faults):
    by_kind = ", ".join(f"{k} {n}" for k, n in sorted(faults.items()) if n)
    total = sum(faults.values())
    return (f"events sent {v.sent}, accepted {v.accepted}, faults injected {total}"
            f" ({by_kind or 'none'}), lost {v.lost}, duplicated {v.duplicated}")
