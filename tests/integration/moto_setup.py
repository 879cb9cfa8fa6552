#!/usr/bin/env python3
"""Provision an IAM user with an access key on a moto_server started with
INITIAL_NO_AUTH_ACTION_COUNT=0, so that every later request must carry a
valid SigV4 signature made with that key.

moto refuses unsigned/unknown-key requests once the count of unauthenticated
actions is used up. /moto-api/reset-auth (not itself authenticated) sets the
allowance: we allow exactly the three IAM calls made here, then moto checks
every request. Prints "KEY_ID SECRET" on stdout.

usage: moto_setup.py ENDPOINT
"""
import json
import sys
import urllib.request

import boto3


def main() -> int:
    endpoint = sys.argv[1]
    req = urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=b"3", method="POST",
                                 headers={"Content-Type": "text/plain"})  # a form type would hide the body from moto
    with urllib.request.urlopen(req, timeout=30) as resp:
        json.load(resp)
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="evpipe-itest")
    iam.put_user_policy(
        UserName="evpipe-itest",
        PolicyName="all",
        PolicyDocument=json.dumps({"Version": "2012-10-17",
                                   "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    )
    key = iam.create_access_key(UserName="evpipe-itest")["AccessKey"]
    print(key["AccessKeyId"], key["SecretAccessKey"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
