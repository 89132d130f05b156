"""Reads `expense stream --format dynamodb --view new_and_old_images` with the real consumers of
DynamoDB Streams and checks every field against what the store itself says.

Run by tests/dynamodb_consumers.rs (the venv comes from .ci/run):

    python consume_stream.py STREAM.ndjson EXPECT.json

EXPECT.json, written by the Rust test from the binary's own output:
    region, label    the configured region and `expense stream --info`'s label
    plain            the same records in the plain format (the reference for every image)
    items            `expense list --json` rows of the live items
    trash            `expense trash list --json` entries (when a record's image carries the
                     trash mark, its deleted_at/expires_at must be these, in epoch seconds)
    budgets          `expense budget list --json` rows
    schedules        the store's schedules as the plain format writes their images

Consumers: boto3's TypeDeserializer, aws-lambda-powertools' DynamoDBStreamEvent (data class) and
its pydantic DynamoDBStreamModel (parser), each over {"Records": [...]} as a Lambda gets it.
Prints one line per failure and exits 1 if there was any; prints a summary and exits 0 if not.
"""

import json
import math
import re
import sys
from datetime import datetime, timezone
from decimal import Decimal

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecordEventName,
    StreamViewType,
)
from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamModel
from boto3.dynamodb.types import TypeDeserializer

FAILURES = []


def check(ok, what):
    if not ok:
        FAILURES.append(what)


def expected_image(row):
    """A plain-format image (the `list --json` row shape) as DynamoDB consumers must see it."""
    if row.get("type") == "schedule":
        # Numbers are N (Decimal), confirm and paused BOOL, tags SS (absent when empty), absent
        # parts (on, end, count, next) absent in both formats.
        image = {k: v for k, v in row.items() if k != "tags"}
        for k in ("amount", "every", "count", "version"):
            if k in image:
                image[k] = Decimal(str(image[k]))
        if row["tags"]:
            image["tags"] = set(row["tags"])
        return image
    if row.get("type") == "budget":
        return {
            "id": row["id"],
            "type": "budget",
            "category": row["category"],
            "amount": Decimal(row["amount"]),
            "currency": row["currency"],
            "version": Decimal(row["version"]),
        }
    image = {
        "id": row["id"],
        "date": row["date"],
        "amount": Decimal(row["amount"]),
        "currency": row["currency"],
        "category": row["category"],
        "payee": row["payee"],
        "note": row["note"],
        "kind": row["kind"],
        "version": Decimal(row["version"]),
    }
    if row["tags"]:
        image["tags"] = set(row["tags"])
    return image


def without_trash(image):
    return {k: v for k, v in image.items() if k not in ("deleted_at", "expires_at")}


def same_image(got, want, where):
    """Equal values, and amounts exactly: Decimal text as the store writes it (12.50, not 12.5)."""
    check(without_trash(got) == want, f"{where}: image {got!r} != {want!r}")
    if "amount" in got:
        check(isinstance(got["amount"], Decimal), f"{where}: amount is not a Decimal")
        check(str(got["amount"]) == str(want["amount"]), f"{where}: amount text {got['amount']}")


def n_size(value):
    digits = re.sub(r"[^0-9]", "", value).strip("0")
    return 1 if not digits else math.ceil(len(digits) / 2) + 1


def size_bytes(*maps):
    """DynamoDB's item size rule over AttributeValue maps: names plus values."""
    total = 0
    for m in maps:
        for name, av in m.items():
            (kind, value), = av.items()
            if kind == "S":
                size = len(value.encode())
            elif kind == "N":
                size = n_size(value)
            elif kind == "SS":
                size = sum(len(s.encode()) for s in value)
            elif kind == "BOOL":
                size = 1
            else:
                raise AssertionError(f"unexpected type {kind}")
            total += len(name.encode()) + size
    return total


def main():
    stream_path, expect_path = sys.argv[1], sys.argv[2]
    with open(stream_path, encoding="utf-8") as f:
        raw = [json.loads(line) for line in f if line.strip()]
    with open(expect_path, encoding="utf-8") as f:
        expect = json.load(f)
    plain = expect["plain"]
    region, label = expect["region"], expect["label"]
    arn = f"arn:aws:dynamodb:{region}:000000000000:table/expenses/stream/{label}"
    check(len(raw) == len(plain) > 0, f"{len(raw)} records, plain stream has {len(plain)}")
    event = {"Records": raw}

    deser = TypeDeserializer()
    powertools = list(DynamoDBStreamEvent(event).records)
    model = DynamoDBStreamModel.model_validate(event)
    check(len(powertools) == len(model.Records) == len(raw), "consumers saw different counts")

    trash = {t["id"]: t for t in expect["trash"]}
    ids, seqs, ttl_removals = set(), [], 0
    last_new = {}
    for i, (r, p, pt, m) in enumerate(zip(raw, plain, powertools, model.Records)):
        db, pdb = r["dynamodb"], p["dynamodb"]
        seq = int(pdb["SequenceNumber"])
        where = f"record {seq} ({p['eventName']} {p['origin']})"
        item_id = pdb["Keys"]["id"]

        # The envelope, raw and through both powertools readers.
        check(re.fullmatch(r"[0-9a-f]{32}", r["eventID"]) is not None, f"{where}: eventID")
        ids.add(r["eventID"])
        check(r["eventName"] == p["eventName"], f"{where}: eventName {r['eventName']}")
        check(r["eventVersion"] == "1.1", f"{where}: eventVersion")
        check(r["eventSource"] == "aws:dynamodb", f"{where}: eventSource")
        check(r["awsRegion"] == region, f"{where}: awsRegion")
        check(r["eventSourceARN"] == arn, f"{where}: eventSourceARN {r['eventSourceARN']}")
        check(r.get("origin") == p["origin"], f"{where}: origin")
        check(pt.event_id == r["eventID"], f"{where}: powertools event_id")
        check(pt.event_name == DynamoDBRecordEventName[p["eventName"]], f"{where}: event_name")
        check(pt.event_source == "aws:dynamodb", f"{where}: powertools event_source")
        check(pt.aws_region == region, f"{where}: powertools aws_region")
        check(pt.event_source_arn == arn, f"{where}: powertools event_source_arn")
        check(pt.event_version == "1.1", f"{where}: powertools event_version")
        check(m.eventID == r["eventID"] and m.eventName == p["eventName"], f"{where}: model ids")
        check(m.eventVersion == 1.1 and m.eventSource == "aws:dynamodb", f"{where}: model source")
        check(m.awsRegion == region and m.eventSourceARN == arn, f"{where}: model region/ARN")

        # userIdentity: exactly on TTL removals.
        ttl = p["eventName"] == "REMOVE" and p["origin"] == "ttl"
        ttl_removals += ttl
        if ttl:
            want = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
            check(r.get("userIdentity") == want, f"{where}: userIdentity {r.get('userIdentity')}")
            check(pt.user_identity == want, f"{where}: powertools user_identity")
            check(
                m.userIdentity is not None
                and m.userIdentity.type == "Service"
                and m.userIdentity.principalId == "dynamodb.amazonaws.com",
                f"{where}: model userIdentity",
            )
        else:
            check("userIdentity" not in r and m.userIdentity is None, f"{where}: userIdentity")

        # Sequence number: 21 digits, the seq, in order as text and as numbers.
        sn = db["SequenceNumber"]
        check(re.fullmatch(r"[0-9]{21}", sn) is not None, f"{where}: SequenceNumber {sn}")
        check(int(sn) == seq, f"{where}: SequenceNumber {sn} is not {seq}")
        check(not seqs or (sn > seqs[-1] and int(sn) > int(seqs[-1])), f"{where}: order")
        seqs.append(sn)
        check(pt.dynamodb.sequence_number == sn and m.dynamodb.SequenceNumber == sn, f"{where}: sn")

        # Times, view type and size.
        at = pdb["ApproximateCreationDateTime"]
        check(db["ApproximateCreationDateTime"] == at, f"{where}: ApproximateCreationDateTime")
        check(pt.dynamodb.approximate_creation_date_time == at, f"{where}: powertools time")
        check(
            m.dynamodb.ApproximateCreationDateTime == datetime.fromtimestamp(at, timezone.utc),
            f"{where}: model time {m.dynamodb.ApproximateCreationDateTime}",
        )
        check(pt.dynamodb.stream_view_type == StreamViewType.NEW_AND_OLD_IMAGES, f"{where}: view")
        check(m.dynamodb.StreamViewType == "NEW_AND_OLD_IMAGES", f"{where}: model view")
        maps = [db["Keys"]] + [db[k] for k in ("NewImage", "OldImage") if k in db]
        check(db["SizeBytes"] == size_bytes(*maps), f"{where}: SizeBytes {db['SizeBytes']}")
        check(pt.dynamodb.size_bytes == db["SizeBytes"] == m.dynamodb.SizeBytes, f"{where}: size")

        # Keys and images: boto3, powertools and the model all read the plain record's values.
        check(
            {k: deser.deserialize(v) for k, v in db["Keys"].items()} == {"id": item_id}
            and pt.dynamodb.keys == {"id": item_id}
            and m.dynamodb.Keys == {"id": item_id},
            f"{where}: Keys",
        )
        for key, attr, model_attr in (
            ("NewImage", "new_image", "NewImage"),
            ("OldImage", "old_image", "OldImage"),
        ):
            check((key in db) == (key in pdb), f"{where}: {key} present in one format only")
            if key not in db or key not in pdb:
                continue
            want = expected_image(pdb[key])
            boto = {k: deser.deserialize(v) for k, v in db[key].items()}
            same_image(boto, want, f"{where} {key} (boto3)")
            same_image(getattr(pt.dynamodb, attr), want, f"{where} {key} (powertools)")
            same_image(getattr(m.dynamodb, model_attr), want, f"{where} {key} (model)")
            check(
                all(v != set() for v in boto.values()), f"{where} {key}: an empty set was written"
            )
            # The trash mark, when an image carries one: epoch seconds of the trash entry.
            if "deleted_at" in boto or "expires_at" in boto:
                t = trash.get(item_id)
                check(
                    isinstance(boto.get("deleted_at"), Decimal)
                    and isinstance(boto.get("expires_at"), Decimal)
                    and boto["expires_at"] >= boto["deleted_at"],
                    f"{where} {key}: TTL attributes {boto}",
                )
                if t is not None and key == "NewImage" and seq == last_seq_of(plain, item_id):
                    check(
                        boto["deleted_at"] == t["deleted_at_ms"] // 1000
                        and boto["expires_at"] == -(-t["expires_at_ms"] // 1000),
                        f"{where}: TTL attributes {boto} vs trash {t}",
                    )
        if "NewImage" in db:
            last_new[item_id] = (p["eventName"], pt.dynamodb.new_image)
        else:
            last_new[item_id] = (p["eventName"], None)

    check(len(ids) == len(raw), "eventIDs repeat")
    check(ttl_removals == expect["ttl_removals"], f"{ttl_removals} TTL removals")

    # The stream replays to the store: each live item is its last record's new image, exactly.
    items = {row["id"]: row for row in expect["items"]}
    for item_id, row in items.items():
        event_name, image = last_new.get(item_id, (None, None))
        check(image is not None, f"live item {item_id}: no record leaves a new image")
        if image is not None:
            same_image(image, expected_image(row), f"live item {item_id}")
    # Budgets are items of their own key space, `budget:CATEGORY`: the stream replays to them.
    budgets = {f"budget:{b['category']}": b for b in expect["budgets"]}
    check(len(budgets) > 0, "the store has budgets")
    for key, b in budgets.items():
        event_name, image = last_new.get(key, (None, None))
        check(
            image is not None
            and image["type"] == "budget"
            and str(image["amount"]) == b["amount"]
            and image["currency"] == b["currency"],
            f"budget {key}: stream leaves {image!r}, store has {b!r}",
        )
    # Schedules likewise, `schedule:ULID`: the last image of each is the store's schedule, with
    # its rule and how far it was handled, exactly.
    schedules = {s["id"]: s for s in expect["schedules"]}
    check(len(schedules) > 0, "the store has schedules")
    for key, row in schedules.items():
        event_name, image = last_new.get(key, (None, None))
        check(image is not None, f"schedule {key}: no record leaves a new image")
        if image is not None:
            check(isinstance(image.get("confirm"), bool), f"schedule {key}: confirm not a bool")
            same_image(image, expected_image(row), f"schedule {key}")
    for item_id, (event_name, image) in last_new.items():
        gone = image is None or "deleted_at" in image
        if item_id.startswith("budget:"):
            live = budgets
        elif item_id.startswith("schedule:"):
            live = schedules
        else:
            live = items
        check(gone == (item_id not in live), f"{item_id}: live in the stream != live in the store")

    for failure in FAILURES:
        print(failure)
    if FAILURES:
        sys.exit(1)
    print(f"{len(raw)} records read by boto3, powertools DynamoDBStreamEvent and DynamoDBStreamModel")


def last_seq_of(plain, item_id):
    return max(
        int(p["dynamodb"]["SequenceNumber"])
        for p in plain
        if p["dynamodb"]["Keys"]["id"] == item_id
    )


if __name__ == "__main__":
    main()
