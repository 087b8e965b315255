"""Sealing: answers open only with the right key, in the right place, unaltered."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app import sealing

FAST = sealing.KdfParameters(memory_kib=1024, iterations=1, lanes=1)


@pytest.fixture(scope="module")
def keys():
    return sealing.generate_key_pair()


def context(inspection="inspection-a", questionnaire="children-stc", version=1):
    return sealing.response_context(inspection, questionnaire, version)


def test_sealed_answers_open_with_the_private_key(keys):
    private, public = keys
    sealed = sealing.seal_answers(public, {"feel_safe": "yes", "comment": "hello"}, context())
    assert sealing.Unsealer(private).open_answers(sealed, context()) == {
        "feel_safe": "yes",
        "comment": "hello",
    }


def test_sealed_bytes_do_not_contain_the_answers(keys):
    _, public = keys
    sealed = sealing.seal_answers(public, {"comment": "UNIQUE-MARKER-42"}, context())
    assert b"UNIQUE-MARKER-42" not in sealed
    assert b"comment" not in sealed


def test_sealing_the_same_answers_twice_gives_different_ciphertexts(keys):
    _, public = keys
    first = sealing.seal_answers(public, {"a": "b"}, context())
    assert first != sealing.seal_answers(public, {"a": "b"}, context())


@pytest.mark.parametrize(
    "moved",
    [
        context(inspection="inspection-b"),
        context(questionnaire="staff-stc"),
        context(version=2),
    ],
)
def test_a_ciphertext_moved_to_another_inspection_or_questionnaire_does_not_open(keys, moved):
    private, public = keys
    sealed = sealing.seal_answers(public, {"a": "b"}, context())
    with pytest.raises(sealing.SealBroken):
        sealing.Unsealer(private).open(sealed, moved)


def test_another_inspections_key_does_not_open(keys):
    _, public = keys
    other_private, _ = sealing.generate_key_pair()
    sealed = sealing.seal_answers(public, {"a": "b"}, context())
    with pytest.raises(sealing.SealBroken):
        sealing.Unsealer(other_private).open(sealed, context())


@pytest.mark.parametrize("position", [0, 1, 40, -1])
def test_any_altered_byte_is_detected(keys, position):
    private, public = keys
    sealed = bytearray(sealing.seal_answers(public, {"a": "b"}, context()))
    sealed[position] ^= 0x01
    with pytest.raises(sealing.SealBroken):
        sealing.Unsealer(private).open(bytes(sealed), context())


def test_truncated_ciphertext_is_reported_not_crashed(keys):
    private, _ = keys
    with pytest.raises(sealing.SealBroken):
        sealing.Unsealer(private).open(b"\x01short", context())


def test_private_key_unwraps_only_with_its_passphrase_and_inspection(keys):
    private, _ = keys
    wrapped = sealing.wrap_private_key(private, "the right passphrase", "inspection-a", FAST)
    assert private not in wrapped.ciphertext
    assert sealing.unwrap_private_key(wrapped, "the right passphrase", "inspection-a") == private
    with pytest.raises(sealing.WrongPassphrase):
        sealing.unwrap_private_key(wrapped, "the wrong passphrase", "inspection-a")
    with pytest.raises(sealing.WrongPassphrase):
        sealing.unwrap_private_key(wrapped, "the right passphrase", "inspection-b")


def test_kdf_parameters_travel_with_the_wrapped_key(keys):
    private, _ = keys
    wrapped = sealing.wrap_private_key(private, "passphrase", "i", FAST)
    assert wrapped.kdf == "argon2id"
    assert sealing.KdfParameters.from_dict(wrapped.kdf_parameters) == FAST


# Answers are strings and lists of strings; integers (to 64 bits, as orjson reads them) and
# null stand for anything else a future question type might keep.
answer_values = st.one_of(
    st.text(max_size=200),
    st.lists(st.text(max_size=20), max_size=5),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.none(),
)


@settings(max_examples=60, deadline=None)
@given(answers=st.dictionaries(st.text(min_size=1, max_size=30), answer_values, max_size=20))
def test_any_answers_survive_sealing_unchanged(keys, answers):
    private, public = keys
    sealed = sealing.seal_answers(public, answers, context())
    assert sealing.Unsealer(private).open_answers(sealed, context()) == answers


# --- several wrapped copies of one key ---------------------------------------------------------

STRONGER = sealing.KdfParameters(memory_kib=2048, iterations=2, lanes=1)


def test_kdf_parameters_know_when_they_are_weaker_than_wanted():
    assert FAST.weaker_than(STRONGER)
    assert not STRONGER.weaker_than(FAST)
    assert not FAST.weaker_than(FAST)
    assert sealing.KdfParameters(4096, 1, 1).weaker_than(sealing.KdfParameters(1024, 1, 2))


def test_an_inspectors_own_key_wrap_cannot_stand_in_for_an_inspection_key(keys):
    private, _ = keys
    personal = sealing.wrap_private_key(private, "secret words", sealing.personal_owner("x"), FAST)
    with pytest.raises(sealing.WrongPassphrase):
        sealing.unwrap_private_key(personal, "secret words", "x")
    assert sealing.unwrap_private_key(personal, "secret words", sealing.personal_owner("x"))


def test_a_key_sealed_to_an_inspector_opens_only_with_their_key_for_that_inspection(keys):
    private, _ = keys
    inspector_private, inspector_public = sealing.generate_key_pair()
    other_private, _ = sealing.generate_key_pair()
    sealed = sealing.seal_key_to(inspector_public, private, sealing.grant_context("i", "me"))
    assert private not in sealed
    assert sealing.open_sealed_key(inspector_private, sealed, sealing.grant_context("i", "me"))
    for wrong_key, context in [
        (other_private, sealing.grant_context("i", "me")),
        (inspector_private, sealing.grant_context("other inspection", "me")),
        (inspector_private, sealing.grant_context("i", "someone else")),
    ]:
        with pytest.raises(sealing.SealBroken):
            sealing.open_sealed_key(wrong_key, sealed, context)


def test_an_unsealer_gives_back_the_key_it_holds_for_rewrapping(keys):
    private, public = keys
    assert sealing.Unsealer(private).private_bytes() == private
    assert sealing.Unsealer(private).public_key == public


@settings(max_examples=15, deadline=None)
@given(
    first=st.text(min_size=1, max_size=40),
    second=st.text(min_size=1, max_size=40),
    answers=st.dictionaries(st.text(min_size=1, max_size=10), answer_values, max_size=5),
)
def test_rewrapping_under_any_new_secret_keeps_old_answers_open(keys, first, second, answers):
    """Changing the passphrase re-wraps the same key: answers sealed before still open, and
    only the new secret opens the new wrap (unless both secrets are the same)."""
    private, public = keys
    sealed = sealing.seal_answers(public, answers, context())
    old = sealing.wrap_private_key(private, first, "inspection-a", FAST)
    opened = sealing.unwrap_private_key(old, first, "inspection-a")
    new = sealing.wrap_private_key(opened, second, "inspection-a", STRONGER)
    assert new.salt != old.salt and new.ciphertext != old.ciphertext
    reopened = sealing.unwrap_private_key(new, second, "inspection-a")
    assert sealing.Unsealer(reopened).open_answers(sealed, context()) == answers
    if first != second:
        with pytest.raises(sealing.WrongPassphrase):
            sealing.unwrap_private_key(new, first, "inspection-a")


def test_the_length_of_a_sealed_response_hides_how_much_was_written(keys):
    _, public = keys
    short = sealing.seal_answers(public, {"comment": "no"}, context())
    longer = sealing.seal_answers(
        public, {"comment": "I do not feel safe at night " * 5}, context()
    )
    assert len(short) == len(longer)
    assert len(sealing.seal_answers(public, {"comment": "x" * 600}, context())) > len(short)


@pytest.mark.parametrize(
    "plaintext", [b"not JSON", b"\xff\xfe{}", b'{"a": NaN}', b"[" * 2000 + b"]" * 2000, b""]
)
def test_what_opens_but_is_no_json_says_so(keys, plaintext):
    # Anyone holding the public key can seal anything: opening it is not an error of the
    # seal, and decoding it must not raise anything but NotAnswers (responses counts it).
    private, public = keys
    sealed = sealing.seal(public, plaintext, b"context", seal_format=sealing.BROWSER_SEAL_FORMAT)
    with pytest.raises(sealing.NotAnswers):
        sealing.Unsealer(private).open_answers(sealed, b"context")
