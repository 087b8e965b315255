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


answer_values = st.one_of(
    st.text(max_size=200), st.lists(st.text(max_size=20), max_size=5), st.integers(), st.none()
)


@settings(max_examples=60, deadline=None)
@given(answers=st.dictionaries(st.text(min_size=1, max_size=30), answer_values, max_size=20))
def test_any_answers_survive_sealing_unchanged(keys, answers):
    private, public = keys
    sealed = sealing.seal_answers(public, answers, context())
    assert sealing.Unsealer(private).open_answers(sealed, context()) == answers
