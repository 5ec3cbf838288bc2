"""Our S3 storage entry for STORAGES, built in one place for settings.py and the tests."""

from botocore.config import Config


def s3_client_config(*, addressing_style=None, connect_timeout=5, read_timeout=30):
    """A store that does not answer fails a request (and /healthz) in seconds, not after minutes."""
    return Config(
        s3={"addressing_style": addressing_style or "auto"},
        signature_version="s3v4",  # signed URLs: AWS retired version 2
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "max_attempts": 3},
    )


def s3_storage(
    *,
    bucket_name,
    endpoint_url=None,
    region_name=None,
    access_key=None,
    secret_key=None,
    location="",
    url_expiry_seconds=300,
    addressing_style=None,
    connect_timeout=5,
    read_timeout=30,
):
    """django-storages' S3 backend for generated documents, which are private: no public ACL, every
    URL signed and short-lived, a name never silently overwritten. Reading a file spools it to a
    temporary file past 2 MiB instead of holding it in memory. Keys left to None fall back to
    boto3's own chain (environment, instance role)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket_name,
            "endpoint_url": endpoint_url,  # None: AWS itself
            "region_name": region_name,
            "access_key": access_key,
            "secret_key": secret_key,
            "location": location,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": url_expiry_seconds,
            "file_overwrite": False,
            "max_memory_size": 2 * 1024 * 1024,
            "client_config": s3_client_config(
                addressing_style=addressing_style, connect_timeout=connect_timeout, read_timeout=read_timeout
            ),
        },
    }
