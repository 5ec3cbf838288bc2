"""A fresh bucket on the S3-compatible test server (`.ci/run` starts moto's server and sets
S3_TEST_ENDPOINT_URL), and the STORAGES entry that points Django at it."""

import os
import uuid

import boto3

from config.s3 import s3_client_config, s3_storage

ENDPOINT_VARIABLE = "S3_TEST_ENDPOINT_URL"
KEYS = {"access_key": "clausier-test", "secret_key": "clausier-test-secret", "region_name": "us-east-1"}


def endpoint_url():
    return os.environ.get(ENDPOINT_VARIABLE)


def s3_client():
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url(),
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
        region_name=KEYS["region_name"],
        config=s3_client_config(addressing_style="path"),
    )


def create_bucket():
    name = f"clausier-test-{uuid.uuid4().hex[:12]}"
    s3_client().create_bucket(Bucket=name)
    return name


def delete_bucket(name):
    client = s3_client()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for entry in page.get("Contents", ()):
            client.delete_object(Bucket=name, Key=entry["Key"])
    client.delete_bucket(Bucket=name)


def storage_entry(bucket_name, **overrides):
    return s3_storage(
        bucket_name=bucket_name, endpoint_url=endpoint_url(), addressing_style="path", **KEYS, **overrides
    )
