"""The kiosk as a detainee uses it, in a real chromium: file a complaint, keep the receipt, come
back with it, read the reply, add a message; the urgent path; the screen clearing itself."""

# ruff: noqa: RUF001 - the Kazakh and Russian texts are Cyrillic on purpose.

from __future__ import annotations

import re

import pytest
from terminal_kiosk_fixtures import run_kiosk

from custodywatch_terminal import receipts
from custodywatch_terminal.sealing import open_sealed
from lib.testing.browser import CHROMIUM_ARGS, PHONE_WIDTH, chromium_path

pytestmark = [pytest.mark.browser]

FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture
def running(tmp_path):
    yield from run_kiosk(tmp_path / "terminal")


@pytest.fixture(scope="module")
def kiosk_browser(chromium):
    """Chromium with a fake microphone that is allowed without asking, as the kiosk's is."""
    browser = chromium.browser_type.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS + FAKE_MICROPHONE)
    yield browser
    browser.close()


def _page(browser, kiosk, *, width, height, mobile):
    context = browser.new_context(base_url=kiosk, viewport={"width": width, "height": height},
                                  is_mobile=mobile, has_touch=True)
    context.set_default_timeout(10_000)
    return context, context.new_page()


def _read_code(page) -> str:
    return " ".join(page.locator("[data-code] span").all_inner_texts())


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_kiosk_complaint_in_kazakh_on_a_phone_width_receipt_reply_and_message(kiosk_browser, running, tmp_path):
    kiosk = running.url
    context, page = _page(kiosk_browser, kiosk, width=PHONE_WIDTH, height=844, mobile=True)
    page.goto("/")
    page.get_by_role("link", name=re.compile("Қазақша")).click()
    page.get_by_role("link", name=re.compile("Шағым беру")).click()
    page.screenshot(path=tmp_path / "1-category.png", full_page=True)
    _no_sideways_scroll(page)
    # step 1: the category, chosen by touching its pictogram tile, moves on by itself
    page.get_by_text("Азаптау немесе қатыгез қарау").click()
    # step 2: leaving it empty says what is missing, in Kazakh
    page.locator(".step:not([hidden]) [data-next]").click()
    assert page.get_by_text("Бірдеңе жазыңыз немесе дауысыңызды жазыңыз.").is_visible()
    page.locator("#text").fill("Кеше кешке тергеу бөлмесінде мені ұрды.")
    page.get_by_role("button", name="Дауысты жазу").click()
    page.get_by_text("0:01").wait_for()  # a second of the fake microphone's tone
    page.get_by_role("button", name="Тоқтату").click()
    page.get_by_text("Дауыс жазбасы дайын").wait_for()
    page.screenshot(path=tmp_path / "2-describe.png", full_page=True)
    page.locator(".step:not([hidden]) [data-next]").click()
    # step 3: anonymous by default; under 18: no
    page.locator(".step:not([hidden]) [data-next]").click()
    # step 4: reprisals and a private visit
    page.get_by_text("Иә, қатты").click()
    page.locator(".step:not([hidden]) .choices.two").get_by_text("Иә").click()
    page.screenshot(path=tmp_path / "3-safety.png", full_page=True)
    page.locator(".step:not([hidden]) [data-next]").click()
    page.get_by_role("button", name="Жіберу").click()
    page.screenshot(path=tmp_path / "3b-sent.png", full_page=True)

    page.get_by_text("Түбіртек кодыңыз").wait_for()
    code = _read_code(page)
    receipt = receipts.parse(code)
    assert re.fullmatch(r"(\d{4} ){5}\d", code)
    assert page.get_by_text("Сервердің растауы күтілуде").is_visible()
    assert page.locator("text=print").count() == 0
    running.deliver()
    (filed,) = running.filed()
    assert (filed.category, filed.language, filed.reprisal_risk, filed.private_visit) == (
        "torture", "kk", "high", True)
    assert filed.anonymous
    assert filed.name is None
    assert filed.voice  # the recording went with the text, in the same sealed complaint
    page.get_by_text("Ашық журналдағы жазба нөмірі: 0.").wait_for()
    page.screenshot(path=tmp_path / "4-receipt.png", full_page=True)
    _no_sideways_scroll(page)
    page.get_by_role("link", name=re.compile("Есте сақтадым")).click()
    page.wait_for_url(f"{kiosk}/")

    # later, at the kiosk again: the reply, then a message
    running.fake.reply(receipt.locator, "Біз сізге сәрсенбіде барамыз.", by="npm-kz")
    page.get_by_role("link", name=re.compile("Қазақша")).click()
    page.get_by_role("link", name=re.compile("Менде түбіртек коды бар")).click()
    page.locator("#code").fill(code.replace(" ", "-"))
    page.get_by_role("button", name="Ашу").click()
    page.get_by_text("Біз сізге сәрсенбіде барамыз.").wait_for()
    assert page.locator("article.reply h3").inner_text().startswith("Ұлттық алдын алу тетігі, ")
    assert page.locator("[data-status]").inner_text() == "Қабылданды"
    page.locator("#text").fill("Рахмет. Мен күтемін.")
    page.get_by_role("button", name="Хабарламаны жіберу").click()
    page.get_by_text("Хабарламаңыз шифрланды және жіберілуде.").wait_for()
    ((locator, sealed),) = running.fake.messages  # sent before the thread was asked for again
    assert locator == receipt.locator
    assert open_sealed(sealed, [running.bodies.npm]).text == "Рахмет. Мен күтемін."
    assert page.get_by_text("Сіздің хабарламаңыз").is_visible()
    page.screenshot(path=tmp_path / "5-thread.png", full_page=True)
    _no_sideways_scroll(page)
    context.close()


def test_kiosk_urgent_path_in_english_at_kiosk_width_and_a_mistyped_code(kiosk_browser, running, tmp_path):
    kiosk = running.url
    context, page = _page(kiosk_browser, kiosk, width=1280, height=1024, mobile=False)
    page.goto("/")
    page.get_by_role("link", name=re.compile("English")).click()
    urgent = page.get_by_role("link", name=re.compile("I am in danger now"))
    page.wait_for_load_state("load")  # the stylesheet, before measuring
    assert urgent.bounding_box()["height"] >= 100  # the most prominent choice
    urgent.click()
    page.locator("#text").fill("They said they will beat me tonight for complaining.")
    page.get_by_text("Threats or reprisals").click()
    page.screenshot(path=tmp_path / "urgent.png", full_page=True)
    page.get_by_role("button", name="Send urgently").click()
    code = _read_code(page)
    running.deliver()
    (filed,) = running.filed()
    assert (filed.category, filed.urgent_danger, filed.private_visit, filed.language) == ("reprisal", True, True, "en")

    page.goto("/en/follow-up")
    digits = code.replace(" ", "")
    swapped = digits[:3] + digits[4] + digits[3] + digits[5:] if digits[3] != digits[4] else digits[:-1] + str(
        (int(digits[-1]) + 1) % 10)
    page.locator("#code").fill(swapped)
    page.get_by_role("button", name="Open").click()
    assert page.get_by_role("alert").inner_text().startswith("The code is not right")
    page.locator("#code").fill(code)
    page.get_by_role("button", name="Open").click()
    page.get_by_text("No reply yet.").wait_for()
    assert page.locator("[data-status]").inner_text() == "Received"
    context.close()


def test_kiosk_clears_itself_after_inactivity(kiosk_browser, running, tmp_path):
    kiosk = running.url
    context, page = _page(kiosk_browser, kiosk, width=1280, height=1024, mobile=False)
    page.clock.install()
    page.goto("/ru/complaint")
    page.get_by_text("Условия содержания").click()
    page.locator("#text").fill("В камере нет воды")
    page.clock.run_for(69_000)  # 69 s without a touch: no warning yet
    assert page.locator("#idle-warning").is_hidden()
    page.clock.run_for(2_000)
    assert page.get_by_text("Вы ещё здесь?").is_visible()
    page.get_by_role("button", name="Да, продолжить").click()  # a touch starts the clock again
    page.clock.run_for(80_000)
    assert page.locator("#text").input_value() == "В камере нет воды"
    page.clock.run_for(11_000)  # 91 s since the last touch
    page.wait_for_url(f"{kiosk}/")
    assert page.get_by_text("В камере нет воды").count() == 0
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert page.evaluate("document.cookie") == ""
    page.go_back()
    assert page.locator("text=В камере нет воды").count() == 0
    running.deliver()
    assert running.filed() == []
    context.close()
