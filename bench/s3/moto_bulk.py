#!/usr/bin/env python3
"""A moto S3 server (the AWS emulator) holding a bucket of many empty objects, for bench:s3.

Filling a bucket through HTTP costs ~10 ms an object on moto; this puts them straight into
moto's in-process S3 backend (what the server then serves over HTTP), ~60 us an object.

    python3 bench/s3/moto_bulk.py PORT BUCKET COUNT [CLASSES]

Keys: images/class-NNN/NNNNNN.jpg, COUNT objects spread evenly over CLASSES prefixes (100).
Prints "READY <count>" when serving; stops when its stdin closes.
"""
import sys

from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends
from moto.server import ThreadedMotoServer


def main() -> None:
    port, bucket, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    classes = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    backend.create_bucket(bucket, "us-east-1")
    for i in range(count):
        backend.put_object(bucket, f"images/class-{i % classes:03d}/{i:06d}.jpg", b"")
    print(f"READY {count}", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
