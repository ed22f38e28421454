"""The public query page and GraphiQL in a real headless browser (Debian's chromium, driven by Playwright).

The real app is served by uvicorn on a loopback port against a database of its own (migrated, with the demo
data committed, dropped afterwards), and the browser is refused every request that leaves the loopback
interface: whatever renders here renders offline. Without chromium the tests skip, except in CI (CI=true),
where a missing browser is a failure.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

from api.demo import SHOWCASE_INSTITUTIONS
from api.settings import Settings
from tests.support.net import free_port

CHROMIUM = Path(os.environ.get("YIBAO_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DATABASE = "yibao_browser"
YIKANG = "瑶海区益康大药房"


def _require_browser() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "the playwright package"
    else:
        missing = "" if CHROMIUM.exists() else f"chromium at {CHROMIUM} (apt-get install -y chromium)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests need {missing}; CI installs it in .ci/run")
        pytest.skip(f"browser tests need {missing}; install it to run them")


@dataclass
class Served:
    url: str
    db_url: str
    outside: list[str] = field(default_factory=list)  # requests the browser tried to send off the machine


@pytest.fixture(scope="module")
async def served(pg_admin_url: str) -> AsyncIterator[Served]:
    """The real app on a loopback port, over a database of its own with the demo data committed."""
    _require_browser()
    import uvicorn

    from api.app import create_app
    from api.demo import seed_demo
    from api.postgres import ensure_database, migrate
    from api.protection import ProtectionSettings
    from domain.db import Database

    url = await ensure_database(pg_admin_url, DATABASE, recreate=True)
    await migrate(url)
    seeding = await Database.connect(url, min_size=1, max_size=2)
    try:
        await seed_demo(seeding, subjects_per_county=12)
    finally:
        await seeding.close()
    settings = Settings(database_url=url, jwt_secret="browser-secret-0123456789abcdef0123", jwt_issuer="yibao-test")
    app = create_app(settings=settings, database_factory=lambda: Database.connect(url, min_size=1, max_size=4),
                     protection=ProtectionSettings(anonymous_limit="10000/minute"))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        await asyncio.sleep(0.05)
    try:
        yield Served(url=f"http://127.0.0.1:{port}", db_url=url)
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
        admin = await asyncpg.connect(pg_admin_url)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        finally:
            await admin.close()


@pytest.fixture
async def page(served: Served):  # type: ignore[no-untyped-def]
    """A fresh browser page that may reach the loopback server only."""
    from playwright.async_api import Route, async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone

        async def offline(route: Route) -> None:
            host = re.sub(r"^[a-z]+://([^/:]+).*$", r"\1", route.request.url)
            if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
                await route.continue_()
            else:
                served.outside.append(route.request.url)
                await route.abort("internetdisconnected")

        await context.route("**/*", offline)
        tab = await context.new_page()
        try:
            yield tab
        finally:
            await browser.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("screenshots")


async def _search(page, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    await page.fill("#q", text)
    # Wait for this search's own answer: the previous search's results would satisfy the selector below at once.
    async with page.expect_response(lambda r: "/graphql" in r.url and r.request.method in ("GET", "POST"),
                                    timeout=15_000):
        await page.click("button[type=submit]")
    await page.wait_for_selector(f".result >> text={YIKANG}", timeout=15_000)
    return [t.strip() for t in await page.locator(".result a.name").all_inner_texts()]


async def _personal_values(db_url: str) -> list[str]:
    """Everything personal or non-public the archive holds: resident IDs, names of people, phones, amounts, facts."""
    conn = await asyncpg.connect(db_url)
    try:
        people = await conn.fetch("SELECT code, phone, address FROM subject WHERE kind = 'individual'")
        phones = await conn.fetch("SELECT phone FROM subject WHERE phone IS NOT NULL")
        versions = await conn.fetch(
            "SELECT v.amount, v.facts, v.penalty FROM credit_record_version v JOIN subject s ON s.id = v.subject_id "
            "WHERE s.name = $1", YIKANG)
    finally:
        await conn.close()
    values = [p["code"] for p in people] + [p["phone"] for p in phones if p["phone"]]
    values += [p["address"] for p in people if p["address"]]
    for v in versions:
        if v["amount"] is not None:
            values += [f"{v['amount']:.2f}", f"{v['amount']:,.2f}"]
        values += [x for x in (v["facts"], v["penalty"]) if x]
    return values


async def test_search_a_typo_and_the_institution_page_in_a_real_browser_offline(
        page, served: Served, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    await page.goto(served.url + "/")
    assert await page.title() == "医保信用信息查询"

    assert YIKANG in await _search(page, "益康")
    assert (await _search(page, "瑶海区益康大药店"))[0] == YIKANG

    await page.locator(".result a.name", has_text=YIKANG).first.click()
    await page.wait_for_selector(".current-grade .grade", timeout=15_000)
    assert await page.locator(".grade.big").count() == 1  # one grade, not one per cycle
    grade = (await page.locator(".grade.big").inner_text()).strip()
    assert grade in ("A", "B", "C", "D")
    text = await page.locator("body").inner_text()
    assert YIKANG in text and "年度信用评价结果" in text and "信用等级" in text
    assert await page.locator(".records tbody tr").count() >= 2
    assert "信用承诺" in text and "追回医保基金" in text

    html = await page.content()
    leaked = [v for v in await _personal_values(served.db_url) if v in html]
    assert leaked == [], leaked

    shot = screenshots / "institution.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert served.outside == []


async def test_chinese_text_renders_as_glyphs_not_boxes(page, served: Served) -> None:  # type: ignore[no-untyped-def]
    # Without a Chinese font every character is the same empty box: two different words would then look
    # identical in a screenshot. With one, they differ.
    await page.goto(served.url + "/")
    await page.evaluate("""() => { for (const [id, t] of [['w1', '益康大药房'], ['w2', '信用等级差']]) {
        const s = document.createElement('span'); s.id = id; s.textContent = t; s.style.fontSize = '32px';
        document.body.prepend(s); } }""")
    first = await page.locator("#w1").screenshot()
    second = await page.locator("#w2").screenshot()
    assert first != second, "Chinese characters render as boxes: install a CJK font (fonts-wqy-zenhei)"


async def test_the_published_lists_show_institutions_and_nothing_personal(
        page, served: Served, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    await page.goto(served.url + "/#/lists/SERIOUS_DISHONESTY")
    serious = [name for _, name, *_rest, profile in SHOWCASE_INSTITUTIONS if profile == "serious"]
    await page.wait_for_selector(f"text={serious[0]}", timeout=15_000)
    assert "严重失信名单" in await page.locator("main").inner_text()
    await page.goto(served.url + "/#/lists/POOR_GRADE")
    await page.wait_for_selector("main .card .grade", timeout=15_000)
    assert "信用等级差名单" in await page.locator("main").inner_text()
    html = await page.content()
    assert not [v for v in await _personal_values(served.db_url) if v in html]
    await page.screenshot(path=str(screenshots / "lists.png"), full_page=True)
    assert served.outside == []


async def test_a_bad_search_gets_a_chinese_answer_on_the_page(page, served: Served) -> None:  # type: ignore[no-untyped-def]
    await page.goto(served.url + "/")
    await page.fill("#q", "益")
    await page.click("button[type=submit]")
    await page.wait_for_selector("#status.error", timeout=15_000)
    assert "至少2个字" in await page.locator("#status").inner_text()


async def test_graphiql_renders_offline_with_the_example_operations(
        page, served: Served, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.goto(served.url + "/graphql")
    await page.wait_for_selector(".graphiql-container .graphiql-query-editor", timeout=30_000)
    await page.wait_for_selector("text=SearchInstitutions", timeout=15_000)
    await page.screenshot(path=str(screenshots / "graphiql.png"))
    assert served.outside == []


async def test_graphiql_without_a_token_shows_how_to_sign_in_and_never_introspects_anonymously(
        page, served: Served) -> None:  # type: ignore[no-untyped-def]
    introspections: list[str] = []
    page.on("request", lambda r: introspections.append(r.post_data or "")
            if r.method == "POST" and "__schema" in (r.post_data or "") else None)
    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.goto(served.url + "/graphql")
    await page.wait_for_selector(".graphiql-container .graphiql-query-editor", timeout=30_000)
    await page.wait_for_selector(".graphiql-response >> text=Authorization", timeout=15_000)
    shown = await page.locator(".graphiql-response").inner_text()
    assert "未登录" in shown and "Headers" in shown and "yibao token" in shown
    assert "Introspection is only available" not in shown
    assert introspections == []
    assert served.outside == []


def test_the_bundled_graphiql_carries_its_licences() -> None:
    bundled = Path(__file__).resolve().parents[2] / "api" / "static" / "graphiql"
    for name in ("LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"):
        assert "MIT License" in (bundled / name).read_text(encoding="utf-8")
