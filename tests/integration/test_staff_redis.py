"""Code-entry limits held in Redis (``REDIS_URL``), shared by every app server.

Runs when Redis answers at redis://127.0.0.1:6379 (skipped otherwise, except on CI where
a missing Redis is an error). Keys get a prefix unique to the test and are deleted after it.
"""

from __future__ import annotations

import os
import uuid

import pytest

from survey_app import access
from survey_app.extensions import limiter
from tests.helpers import post_form

REDIS_URL = "redis://127.0.0.1:6379/0"
LONGEST_WINDOW = 3600  # the longest window in the code-entry limits: "50 per hour"


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}; CI must run this test")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    yield client
    client.close()


@pytest.fixture
def redis_app(app, redis_client):
    """The app with its limits in Redis under a prefix of its own, as on a real server."""
    prefix = f"survey-test-{uuid.uuid4().hex}"
    app.config["RATELIMIT_STORAGE_URI"] = REDIS_URL
    app.config["RATELIMIT_KEY_PREFIX"] = prefix
    previous_prefix = limiter._key_prefix  # Flask-Limiter keeps the first prefix it is given
    limiter._key_prefix = ""
    limiter.init_app(app)
    try:
        yield app, prefix
    finally:
        for key in redis_client.scan_iter(match=f"*{prefix}*"):
            redis_client.delete(key)
        limiter._key_prefix = previous_prefix
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
        limiter.init_app(app)


def refuse(app, inspection_id, expect=400):
    return post_form(
        app.test_client(), f"/staff/{inspection_id}", code="AAAA-BBBB-CCCC", expect=expect
    ).status_code


def test_limits_live_in_redis_and_forget_the_address_after_the_window(
    redis_app, redis_client, factory
):
    app, prefix = redis_app
    inspection_id = factory.inspection()
    for attempt in range(11):
        refuse(app, inspection_id, expect=400 if attempt < 10 else 429)
    keys = list(redis_client.scan_iter(match=f"*{prefix}*"))
    assert keys, "the limiter wrote nothing to Redis"
    assert any(b"127.0.0.1" in key for key in keys)  # the per-client counter...
    for key in keys:
        ttl = redis_client.ttl(key)
        if b"/refused-codes/" in key:  # the inspector's tally: a number, no address, 2 hours
            assert b"127.0.0.1" not in key and 0 < ttl <= 2 * 3600, (key, ttl)
        else:
            assert 0 < ttl <= LONGEST_WINDOW, (key, ttl)  # ...expires with its window


def test_a_second_server_sees_the_same_counts(redis_app, factory):
    app, _ = redis_app
    inspection_id = factory.inspection()
    for _ in range(6):
        refuse(app, inspection_id)
    limiter.init_app(app)  # a fresh connection, as another gunicorn worker or server has
    for attempt in range(5):
        refuse(app, inspection_id, expect=400 if attempt < 4 else 429)
    with app.app_context():  # and every server shows the inspector the same tally
        assert access.refused_codes_recently(inspection_id)[0] == 10


def test_good_codes_do_not_use_up_the_shared_limit(redis_app, factory):
    app, _ = redis_app
    inspection_id = factory.inspection()
    for code in factory.staff_codes(inspection_id, 12):
        post_form(app.test_client(), f"/staff/{inspection_id}", code=code, expect=302)
    refuse(app, inspection_id)
