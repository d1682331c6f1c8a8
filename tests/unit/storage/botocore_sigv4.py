#!/usr/bin/python3
"""Prints the Authorization header botocore computes for one S3 request, to cross-check
src/storage/s3_sigv4.cc. Exit status 77 when botocore is not installed (the test then skips).

Arguments: METHOD URL AMZ_DATE REGION ACCESS_KEY SECRET_KEY BODY_HEX [NAME:VALUE ...]
"""
import datetime
import sys

try:
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    sys.exit(77)


class FixedClock(datetime.datetime):
    """Stands in for datetime.datetime inside botocore.auth so the signing time is fixed."""

    fixed = None

    @classmethod
    def utcnow(cls):
        return cls.fixed

    @classmethod
    def now(cls, tz=None):
        return cls.fixed if tz is None else cls.fixed.replace(tzinfo=tz)


def main():
    method, url, amz_date, region, access_key, secret_key, body_hex = sys.argv[1:8]
    headers = {}
    for pair in sys.argv[8:]:
        name, value = pair.split(":", 1)
        headers[name] = value
    FixedClock.fixed = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    import botocore.auth

    botocore.auth.datetime.datetime = FixedClock
    request = AWSRequest(method=method, url=url, data=bytes.fromhex(body_hex), headers=headers)
    S3SigV4Auth(Credentials(access_key, secret_key), "s3", region).add_auth(request)
    print(request.headers["Authorization"])


if __name__ == "__main__":
    main()
