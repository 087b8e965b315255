"""Background questions that do not single a child out, through the test client: each
establishment type is offered its own bands (and the server refuses any other), the units
are named, renamed and retired by a lead or administrator on the team, the kiosk and the
offline bundle offer the units in use, and the evidence labels answers by unit name."""

import json
import re

import pytest
from sqlalchemy import select

from survey_app import inspections, responses, units
from survey_app.evidence import report
from survey_app.models import Inspection, SealedResponse, Unit, db
from tests.helpers import (
    PASSPHRASE,
    Factory,
    csrf_token,
    enrol_kiosk,
    post_form,
    sign_in,
    start_kiosk,
)

pytestmark = pytest.mark.db


@pytest.fixture
def factory(shipped_app):
    return Factory(shipped_app)


@pytest.fixture
def client(shipped_app):
    return shipped_app.test_client()


def setting(factory, type_: str, role: str = "lead"):
    email = factory.inspector(role)
    establishment = factory.establishment(f"A {type_} (test)", type_)
    return email, factory.inspection([email], establishment)


def name_units(app, inspection_id: str, *names: str) -> dict[str, str]:
    with app.app_context():
        establishment = db.session.get(Inspection, inspection_id).establishment
        made = {name: units.add(establishment, name).id for name in names}
        db.session.commit()
        return made


def kiosk_page(client, factory, inspection_id: str) -> str:
    enrol_kiosk(client, factory.kiosk_token(inspection_id), expect=302)
    start_kiosk(client, expect=302)
    return client.get("/kiosk/questionnaire", expect=200).get_data(as_text=True)


def choices(page: str, question_id: str) -> list[str]:
    return re.findall(rf'name="{question_id}" value="([^"]+)"', page)


def stored(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(SealedResponse)).all())


@pytest.mark.parametrize(
    ("type_", "ages", "gender"),
    [
        ("stc", ["age_14_or_younger", "age_15_to_16", "age_17_or_older"], True),
        ("sch", ["age_14_or_younger", "age_15_or_older"], True),
        ("yoi", ["age_16_or_younger", "age_17_or_older"], False),
    ],
)
def test_the_kiosk_offers_the_bands_of_the_establishments_type(
    client, factory, type_, ages, gender
):
    _email, inspection_id = setting(factory, type_)
    page = kiosk_page(client, factory, inspection_id)
    assert choices(page, "age_band") == [*ages, "dont_want_to_say"]
    assert bool(choices(page, "gender")) is gender
    # No units named: the unit question is not asked at all.
    assert choices(page, "living_unit") == []


def test_a_hand_made_post_with_a_band_not_offered_is_refused_and_nothing_stored(
    shipped_app, client, factory
):
    _email, inspection_id = setting(factory, "sch")
    name_units(shipped_app, inspection_id, "Oak")
    page = kiosk_page(client, factory, inspection_id)
    token = csrf_token(page)
    for field, answer in (
        ("age_band", "age_15_to_16"),  # a finer band an STC is offered, merged in a home
        ("ethnic_group", "black"),
        ("living_unit", "unit_" + "0" * 32),  # no such unit here
    ):
        refused = client.post(
            "/kiosk/questionnaire",
            data={"csrf_token": token, "safe_now": "yes", field: answer},
            expect=400,
        )
        assert "Please choose from the answers shown" in refused.get_data(as_text=True)
    assert stored(shipped_app) == 0
    client.post(
        "/kiosk/questionnaire",
        data={"csrf_token": token, "safe_now": "yes", "age_band": "age_15_or_older"},
        expect=302,
    )
    assert stored(shipped_app) == 1


def test_the_staff_questionnaire_offers_merged_roles_in_a_home(client, factory):
    _email, inspection_id = setting(factory, "sch")
    code = factory.staff_codes(inspection_id, 1)[0]
    post_form(client, f"/staff/{inspection_id}", code=code, expect=302)
    page = client.get(f"/staff/{inspection_id}/questionnaire", expect=200).get_data(as_text=True)
    assert choices(page, "role_group") == [
        "leader_or_manager",
        "frontline_care",
        "education_health_or_another",
        "dont_want_to_say",
    ]
    assert choices(page, "length_of_service") == [
        "up_to_2_years",
        "more_than_2_years",
        "dont_want_to_say",
    ]
    refused = client.post(
        f"/staff/{inspection_id}/questionnaire",
        data={"csrf_token": csrf_token(page), "role_group": "senior_leader"},
        expect=400,
    )
    assert "Please choose from the answers shown" in refused.get_data(as_text=True)


def test_a_lead_names_renames_and_retires_units_and_the_kiosk_follows(shipped_app, client, factory):
    email, inspection_id = setting(factory, "stc")
    sign_in(client, email)
    url = f"/inspector/inspections/{inspection_id}/units"
    empty = client.get(url, expect=200).get_data(as_text=True)
    assert "No units are named yet" in empty
    assert "as the children know it" in empty  # the hint: name them as the children do
    post_form(client, url, url, name="  Oak   House ", expect=302)
    post_form(client, url, url, name="Ash", expect=302)
    refused = post_form(client, url, url, name="oak house", expect=400)
    assert "A unit in use already has that name" in refused.get_data(as_text=True)
    with shipped_app.app_context():
        made = {u.name: u.id for u in db.session.scalars(select(Unit))}
    assert set(made) == {"Oak House", "Ash"}
    oak, ash = made["Oak House"], made["Ash"]
    post_form(client, url, f"{url}/{oak}", action="rename", name="Oak", expect=302)
    post_form(client, url, f"{url}/{ash}", action="retire", expect=302)
    with shipped_app.app_context():
        renamed = db.session.get(Unit, oak)
        assert (renamed.id, renamed.name) == (oak, "Oak")  # the same unit, a new name
        assert db.session.get(Unit, ash).retired
    listed = client.get(url, expect=200).get_data(as_text=True)
    assert "Retired units" in listed and "Use again" in listed
    assert f"<code>unit_{oak}</code>" in listed  # what paper questionnaires are keyed in with

    kiosk = shipped_app.test_client()
    page = kiosk_page(kiosk, factory, inspection_id)
    assert choices(page, "living_unit") == [f"unit_{oak}", "dont_want_to_say"]
    assert ">Oak<" in page and "Ash" not in page
    # A retired unit is refused from the kiosk, even though its old answers stay readable.
    kiosk.post(
        "/kiosk/questionnaire",
        data={"csrf_token": csrf_token(page), "living_unit": f"unit_{ash}"},
        expect=400,
    )
    post_form(client, url, f"{url}/{ash}", action="restore", expect=302)
    page = kiosk_page(kiosk, factory, inspection_id)
    assert choices(page, "living_unit") == [f"unit_{ash}", f"unit_{oak}", "dont_want_to_say"]


def test_only_a_lead_or_administrator_on_the_team_changes_units(shipped_app, client, factory):
    lead, inspection_id = setting(factory, "stc")
    (oak,) = name_units(shipped_app, inspection_id, "Oak").values()
    url = f"/inspector/inspections/{inspection_id}/units"
    member = factory.inspector("inspector")
    factory.assign(inspection_id, member)
    sign_in(client, member)
    page = client.get(url, expect=200).get_data(as_text=True)
    assert "Oak" in page and "Only a lead inspector or an administrator" in page
    token = csrf_token(
        client.get(f"/inspector/inspections/{inspection_id}", expect=200).get_data(as_text=True)
    )
    client.post(url, data={"csrf_token": token, "name": "Elm"}, expect=403)
    client.post(f"{url}/{oak}", data={"csrf_token": token, "action": "retire"}, expect=403)
    client.post("/inspector/sign-out", data={"csrf_token": token}, expect=302)
    outsider = factory.inspector("lead")
    sign_in(client, outsider)
    client.get(url, expect=404)
    token = csrf_token(client.get("/inspector/", expect=200).get_data(as_text=True))
    client.post(url, data={"csrf_token": token, "name": "Elm"}, expect=404)
    # A unit of another establishment cannot be reached through this inspection.
    _other_lead, other = setting(factory, "stc")
    (elsewhere,) = name_units(shipped_app, other, "Birch").values()
    sign_in(client, lead)
    post_form(client, url, f"{url}/{elsewhere}", action="retire", expect=404)
    with shipped_app.app_context():
        assert not db.session.get(Unit, elsewhere).retired
        assert [u.name for u in db.session.scalars(select(Unit).where(Unit.id == oak))] == ["Oak"]


def test_the_offline_bundle_carries_the_types_bands_and_the_units(shipped_app, client, factory):
    _email, inspection_id = setting(factory, "sch")
    made = name_units(shipped_app, inspection_id, "Oak", "Ash")
    enrol_kiosk(client, factory.kiosk_token(inspection_id), expect=302)
    before = client.get("/kiosk/offline/bundle", expect=200).get_json()
    current = next(q for q in before["questionnaires"] if q["version"] == 2)
    questions = {q["id"]: q for q in current["questions"]}
    assert questions["age_band"]["options"] == [
        "age_14_or_younger",
        "age_15_or_older",
        "dont_want_to_say",
    ]
    assert questions["living_unit"]["options"] == [
        f"unit_{made['Ash']}",
        f"unit_{made['Oak']}",
        "dont_want_to_say",
    ]
    # Renaming a unit changes what the tablet keeps, so it fetches the bundle again.
    version = client.get("/kiosk/offline/files.json", expect=200).get_json()["version"]
    with shipped_app.app_context():
        units.rename(db.session.get(Unit, made["Oak"]), "Oak House")
        db.session.commit()
    assert client.get("/kiosk/offline/files.json", expect=200).get_json()["version"] != version


def submit_many(app, inspection_id: str, answers_list: list[dict]) -> None:
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        library = app.extensions["questionnaires"]
        questionnaire = units.for_answering(
            library.current("children", inspection.establishment.type), inspection
        )
        for number, answers in enumerate(answers_list):
            responses.submit(inspection, questionnaire, answers, {"nonce": f"test-{number}"})


def evidence_of(app, inspection_id: str) -> dict:
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        return report.build(inspection, inspections.unlock(inspection, PASSPHRASE))


def unit_groups(built: dict) -> dict[str, str]:
    children = next(q for q in built["questionnaires"] if q["audience"] == "children")
    entry = next(q for q in children["questions"] if q["id"] == "safe_now")
    table = next(t for t in entry["breakdowns"] if t["by"] == "living_unit")
    return {group["id"]: group["text"] for group in table["groups"]}


def test_the_evidence_labels_units_by_name_at_unlock_even_renamed_or_retired(
    shipped_app, client, factory
):
    email, inspection_id = setting(factory, "stc")
    made = name_units(shipped_app, inspection_id, "Oak", "Ash")
    oak, ash = f"unit_{made['Oak']}", f"unit_{made['Ash']}"
    submit_many(
        shipped_app,
        inspection_id,
        [{"safe_now": "yes", "living_unit": oak}] * 8
        + [{"safe_now": "no", "living_unit": ash}] * 7,
    )
    assert {
        k: v
        for k, v in unit_groups(evidence_of(shipped_app, inspection_id)).items()
        if k != "not_stated"
    } == {
        oak: "Oak",
        ash: "Ash",
    }
    with shipped_app.app_context():
        units.rename(db.session.get(Unit, made["Oak"]), "Oak House")
        units.retire(db.session.get(Unit, made["Ash"]))
        db.session.commit()
    built = evidence_of(shipped_app, inspection_id)
    assert unit_groups(built)[oak] == "Oak House"  # renamed: the same answers, the new name
    assert unit_groups(built)[ash] == "Ash"  # retired: still names its answers
    assert oak not in json.dumps(built["questionnaires"][0].get("title", ""))
    sign_in(client, email)
    url = f"/inspector/inspections/{inspection_id}"
    page = post_form(client, url, url + "/evidence", passphrase=PASSPHRASE, expect=200)
    assert "Oak House" in page.get_data(as_text=True)


def test_finer_answers_to_version_1_count_in_the_merged_band_of_a_home(shipped_app, factory):
    """An inspection of a home that began on version 1 (finer ages) and went on with
    version 2 (merged): the breakdown has the bands offered, the finer answers in them."""
    _email, inspection_id = setting(factory, "sch")
    with shipped_app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        library = shipped_app.extensions["questionnaires"]
        v1 = units.for_answering(library.get("children-stc", 1), inspection)
        v2 = units.for_answering(library.get("children-stc", 2), inspection)
        six_each = (
            ("a", v1, {"feel_safe": "yes", "age_band": "age_17_or_older"}),
            ("b", v2, {"safe_now": "no", "age_band": "age_15_or_older"}),
            ("c", v2, {"safe_now": "yes", "age_band": "age_14_or_younger"}),
        )
        for prefix, version, answers in six_each:
            for number in range(6):
                responses.submit(inspection, version, answers, {"nonce": f"{prefix}{number}"})
    built = evidence_of(shipped_app, inspection_id)
    children = next(q for q in built["questionnaires"] if q["audience"] == "children")
    age = next(q for q in children["questions"] if q["id"] == "age_band")
    counts = {o["id"]: o["count"] for o in age["options"]}
    assert counts == {"age_14_or_younger": 6, "age_15_or_older": 12}
    for entry in children["questions"]:
        for table in entry.get("breakdowns", ()):
            if table["by"] == "age_band":
                assert [g["id"] for g in table["groups"]] == [
                    "not_stated",
                    "age_14_or_younger",
                    "age_15_or_older",
                ]


def test_a_units_name_is_shown_as_written_in_every_language(shipped_app, client, factory):
    _email, inspection_id = setting(factory, "stc")
    name_units(shipped_app, inspection_id, "Mixed")  # also an answer the catalogue translates
    enrol_kiosk(client, factory.kiosk_token(inspection_id), expect=302)
    start_kiosk(client, language="cy", expect=302)
    page = client.get("/kiosk/questionnaire", expect=200).get_data(as_text=True)
    unit = page[page.index('id="question-living_unit"') :]
    unit = unit[: unit.index("</fieldset>")]
    assert ">Mixed<" in unit and "Cymysg" not in unit
    assert "Dw i ddim eisiau dweud" in unit  # the fixed answer is still translated
