"""The camera registry imported from CSV or XLSX: all rows or nothing, each problem by line and reason."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from custodywatch_protocol import recorder as rp
from video.models import Camera, Recorder

KEY = rp.public_key_b64(rp.generate_key())


def upload(personas, name: str, data: bytes):
    client = Client()
    client.force_login(personas.npm_monitor)
    return client.post(reverse("video:import", args=[personas.colony.pk]),
                       {"file": SimpleUploadedFile(name, data)})


def test_a_csv_registers_recorders_and_cameras(personas):
    data = (f"recorder;public_key;camera;zone;location\n"
            f"nvr-1;{KEY};cam-1;corridor;Block A, ground floor\n"
            f"nvr-1;;cam-2;isolation_cell;ШИЗО 3\n").encode("cp1251")
    response = upload(personas, "cameras.csv", data)
    assert response.status_code == 200, response.content.decode()
    assert Recorder.objects.get().public_key == KEY
    assert sorted(Camera.objects.values_list("code", "zone", "location")) == [
        ("cam-1", "corridor", "Block A, ground floor"), ("cam-2", "isolation_cell", "ШИЗО 3")]
    again = upload(personas, "cameras.csv", data)
    assert "2 rows already registered as written" in again.content.decode()
    assert Camera.objects.count() == 2


def test_bad_rows_are_listed_by_line_and_column_and_nothing_is_written(personas):
    data = (b"recorder,public_key,camera,zone\n"
            b"nvr-1,not-a-key,cam-1,corridor\n"
            b"nvr 2,,cam-2,sauna\n"
            b"nvr-3," + KEY.encode() + b",cam-1,medical_room\n"
            b"nvr-3," + KEY.encode() + b",cam-1,medical_room\n")
    response = upload(personas, "cameras.csv", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert not Recorder.objects.exists()
    problems = page.count("<tr data-problem>")
    assert problems >= 3
    assert "<td>3</td><td>zone</td><td><span class=\"code\">sauna</span></td>" in page
    assert "<td>2</td><td>public_key</td>" in page
    assert "The same camera appears twice in the file." in page


def test_an_xlsx_workbook_imports_the_same(personas):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["recorder", "public_key", "camera", "zone"])
    sheet.append(["nvr-9", KEY, "yard-1", "yard"])
    out = io.BytesIO()
    book.save(out)
    assert upload(personas, "cameras.xlsx", out.getvalue()).status_code == 200
    assert Camera.objects.get().zone == "yard"


def test_the_command_registers_a_recorder_and_its_cameras_and_names_a_bad_field(personas):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("register_recorder", personas.colony.code, "nvr-5", KEY, "--camera", "c1=corridor", stdout=out)
    assert "camera c1 (corridor) registered on nvr-5" in out.getvalue()
    with pytest.raises(CommandError, match=r"^zone: One of:"):
        call_command("register_recorder", personas.colony.code, "nvr-5", "--camera", "c2=sauna", stdout=out)
