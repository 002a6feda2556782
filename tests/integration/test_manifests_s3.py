"""Input manifests on S3 (moto's server over real HTTP): every page of a listing, a conditional write,
and missing objects found in parallel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from test_manifests import refs  # tests/unit is on sys.path (pyproject: pythonpath)

from core import aws
from core.manifests import ManifestSpec, manifest_bytes, plan_manifest, validate_manifest, write_manifest, write_parts
from core.storage import ObjectExists, S3Store, StoreError, open_location


@pytest.fixture(scope="module")
def s3_bucket(moto_settings) -> S3Store:
    aws.client("s3", moto_settings).create_bucket(Bucket="gc-manifests")
    store = S3Store("gc-manifests", moto_settings)
    with ThreadPoolExecutor(16) as pool:  # more than one page of list_objects_v2 (1,000 keys)
        list(pool.map(lambda i: store.put(f"photos/p{i:04d}.jpg", b"jpeg"), range(1, 1_006)))
    store.put("photos/notes.txt", b"text")
    store.put("photos-other/x.jpg", b"jpeg")
    return store


@pytest.mark.slow
def test_images_from_s3_all_pages_and_a_conditional_write(s3_bucket, moto_settings):
    def open_uri(uri):
        return open_location(uri, moto_settings)

    plan = plan_manifest(open_uri("s3://gc-manifests/photos"), ManifestSpec(sample=100, seed=3), open_uri)
    assert plan.counts["listed"] == 1_006 and plan.counts["selected"] == 1_005 and len(plan.lines) == 100
    assert all(r.startswith("s3://gc-manifests/photos/p") for r in refs(plan.lines))
    out = open_uri("s3://gc-manifests/manifests/sample.manifest")
    assert write_parts(out, plan.parts) == ["s3://gc-manifests/manifests/sample.manifest"]
    original = s3_bucket.get("manifests/sample.manifest")
    with pytest.raises(ObjectExists):
        write_manifest(out, b'{"source":"other"}\n')
    assert s3_bucket.get("manifests/sample.manifest") == original
    rest = plan_manifest(open_uri("s3://gc-manifests/photos/"),
                         ManifestSpec(exclude_manifests=("s3://gc-manifests/manifests/sample.manifest",)), open_uri)
    assert rest.counts["already_in_manifests"] == 100 and len(rest.lines) == 905


@pytest.mark.slow
def test_validate_finds_missing_s3_objects_in_parallel(s3_bucket, moto_settings):
    lines = [{"source-ref": "s3://gc-manifests/photos/p0001.jpg"},
             {"source-ref": "s3://gc-manifests/photos/gone.jpg"},
             {"source-ref": "s3://gc-manifests/photos/p0002.jpg"},
             {"source-ref": "s3://gc-manifests-no-such-bucket/a.jpg"}]
    report = validate_manifest(manifest_bytes(lines), lambda uri: open_location(uri, moto_settings))
    assert [(p.line, p.kind) for p in report.problems] == [(2, "missing_object"), (4, "missing_object")]
    assert report.checked == 4 and report.unchecked == 0

    def refusing(uri):
        if "no-such" in uri:
            raise StoreError("AccessDenied (no access to this bucket)")
        return open_location(uri, moto_settings)

    report = validate_manifest(manifest_bytes(lines + lines[3:]), refusing)
    assert [(p.line, p.kind) for p in report.problems] == [(2, "missing_object"), (4, "cannot_check"),
                                                           (5, "duplicate")]
    assert "AccessDenied" in report.problems[1].message
    capped = validate_manifest(manifest_bytes(lines), lambda uri: open_location(uri, moto_settings), max_checks=1)
    assert capped.checked == 1 and capped.unchecked == 3 and capped.ok
