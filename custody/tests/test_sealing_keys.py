"""Examinations are sealed to the entitled bodies' own organisation keys (the complaints module's
keys), plus any recovery key configured; they open with an entitled body's key and with no other."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pyrage import DecryptError, decrypt, x25519

from complaints.models.handling import OrganisationKey
from custody import sealing
from custody.conftest import give_organisation_key
from custody.models import Examination, InjuryPhoto
from custody.tests.test_examinations import examine
from facilities.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
AGE = shutil.which("age") or "age"


def opened(exam, identity) -> dict:
    return json.loads(sealing.unpad(decrypt(bytes(exam.sealed), [identity])))


@pytest.mark.sqlite_only
@pytest.mark.skipif(shutil.which("age") is None, reason="needs the age tool")
def test_the_npm_opens_it_with_the_age_tool_and_another_body_cannot(tmp_path, police, police_officer, personas,
                                                                     age_identities):
    pmc_identity = x25519.Identity.generate()
    give_organisation_key(personas.pmc_member.organisation, pmc_identity)
    exam = examine(police_officer, police)
    (tmp_path / "exam.age").write_bytes(bytes(exam.sealed))
    for name, identity in (("npm", age_identities["npm"]), ("pmc", pmc_identity),
                           ("ombudsman", age_identities["childrens_ombudsman"])):
        (tmp_path / f"{name}.txt").write_text(str(identity) + "\n")

    def age(key: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - the age tool on files this test wrote
            [AGE, "-d", "-i", str(tmp_path / key), str(tmp_path / "exam.age")],
            capture_output=True, timeout=30, check=False)

    npm = age("npm.txt")
    assert npm.returncode == 0, npm.stderr
    assert json.loads(sealing.unpad(npm.stdout))["examiner"] == "Dr A. Seitkali, forensic physician"
    assert age("pmc.txt").returncode != 0  # a body not entitled to the record
    assert age("ombudsman.txt").returncode != 0  # entitled only to a child's record


def test_a_childs_record_opens_with_each_entitled_bodys_key(police, police_officer, age_identities):
    exam = examine(police_officer, police, minor=True)
    for kind in ("npm", "prosecutor", "childrens_ombudsman"):
        assert opened(exam, age_identities[kind])["facility"] == police.code


def test_every_regional_prosecutors_office_with_a_key_can_open_it(police, police_officer, personas):
    regional = OrganisationFactory(code="prosecutor-almaty", kind="prosecutor")
    regional_identity = x25519.Identity.generate()
    give_organisation_key(regional, regional_identity)
    assert opened(examine(police_officer, police), regional_identity)["facility"] == police.code


def test_a_rotated_out_key_does_not_open_what_is_sealed_after_the_rotation(police, police_officer, personas,
                                                                           age_identities):
    npm = personas.npm_monitor.organisation
    OrganisationKey.objects.filter(organisation=npm).update(retired_at=timezone.now())
    new_identity = x25519.Identity.generate()
    give_organisation_key(npm, new_identity)
    exam = examine(police_officer, police)
    assert opened(exam, new_identity)["facility"] == police.code
    with pytest.raises(DecryptError):
        opened(exam, age_identities["npm"])


def test_the_recovery_key_opens_it_too_in_either_form_of_the_setting(settings, police, police_officer):
    recovery = x25519.Identity.generate()
    settings.CUSTODY_SEALING_RECIPIENTS = [str(recovery.to_public())]
    assert opened(examine(police_officer, police), recovery)["facility"] == police.code
    settings.CUSTODY_SEALING_RECIPIENTS = {"recovery": [str(recovery.to_public())]}
    assert opened(examine(police_officer, police, record_id=""), recovery)["facility"] == police.code


@pytest.mark.parametrize("without", [("npm", "prosecutor", "childrens_ombudsman"), ("npm",), ("prosecutor",)])
def test_without_an_entitled_bodys_key_nothing_is_written(settings, police, police_officer, personas, without,
                                                           age_identities):
    # Configured keys are recovery keys: they never stand in for a body's own key.
    settings.CUSTODY_SEALING_RECIPIENTS = {kind: [str(i.to_public())] for kind, i in age_identities.items()}
    OrganisationKey.objects.filter(organisation__kind__in=without).delete()
    with pytest.raises(ValidationError) as raised:
        examine(police_officer, police, photos=[b"\x89PNG photo"])
    message = " ".join(raised.value.messages)
    assert "cannot be sealed" in message
    assert ("National Preventive Mechanism" in message) == ("npm" in without)
    assert ("Prosecutor's office" in message) == ("prosecutor" in without)
    assert not Examination.objects.exists()
    assert not InjuryPhoto.objects.exists()


def test_a_malformed_recovery_key_is_a_configuration_error_not_a_half_written_record(settings, police,
                                                                                     police_officer):
    from django.core.exceptions import ImproperlyConfigured

    settings.CUSTODY_SEALING_RECIPIENTS = ["age1notakey"]
    with pytest.raises(ImproperlyConfigured):
        examine(police_officer, police)
    assert not Examination.objects.exists()
