"""Publishes client.zip from a finished training job's model.tar.gz.

Reads s3://ARTIFACT_BUCKET/models/.../model.tar.gz (streamed), takes the top-level client.zip,
reads the model id from its manifest and writes it to
s3://EXCHANGE_BUCKET/client/<model-id>/client.zip, where the client role may read it.
Fails loudly: no client.zip, no manifest or a malformed model id ends the execution.
"""
import io
import json
import os
import re
import tarfile
import zipfile
from urllib.parse import urlparse

import boto3

S3 = boto3.client("s3")
MODEL_ID = re.compile(r"[0-9a-f]{64}")
MAX_CLIENT_ZIP = int(os.environ["MAX_CLIENT_ZIP_BYTES"])


def handler(event, _context):
    url = urlparse(event["modelDataUrl"])
    bucket, key = url.netloc, url.path.lstrip("/")
    if url.scheme != "s3" or bucket != os.environ["ARTIFACT_BUCKET"]:
        raise ValueError("model data must be in the artifact bucket: " + event["modelDataUrl"])
    if not key.startswith(os.environ["MODELS_PREFIX"]):
        raise ValueError("model data must be under " + os.environ["MODELS_PREFIX"])

    body = S3.get_object(Bucket=bucket, Key=key)["Body"]
    client_zip = None
    with tarfile.open(fileobj=body, mode="r|gz") as tar:
        for member in tar:
            if member.isfile() and member.name.lstrip("./") == os.environ["CLIENT_ZIP"]:
                if member.size > MAX_CLIENT_ZIP:
                    raise ValueError("client.zip is larger than %d bytes" % MAX_CLIENT_ZIP)
                client_zip = tar.extractfile(member).read()
                break
    if client_zip is None:
        raise ValueError("no top-level client.zip in " + event["modelDataUrl"])

    with zipfile.ZipFile(io.BytesIO(client_zip)) as archive:
        manifest = json.loads(archive.read(os.environ["MANIFEST_ENTRY"]))
    model_id = manifest.get(os.environ["MODEL_ID_FIELD"])
    if not isinstance(model_id, str) or not MODEL_ID.fullmatch(model_id):
        raise ValueError("manifest model id is not 64 lowercase hex digits")

    exchange = os.environ["EXCHANGE_BUCKET"]
    target = os.environ["CLIENT_PREFIX"] + model_id + "/" + os.environ["CLIENT_ZIP"]
    S3.put_object(Bucket=exchange, Key=target, Body=client_zip)
    return {
        os.environ["MODEL_ID_FIELD"]: model_id,
        "modelDataUrl": event["modelDataUrl"],
        "clientZipUrl": "s3://%s/%s" % (exchange, target),
        "trainingJobName": event.get("trainingJobName"),
    }
