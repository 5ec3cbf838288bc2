"""axe-core on every page of the four journeys (buyer, curator, evaluator, lead), in French and
English: no violation of impact "serious" or "critical" (WCAG 2.1 A/AA rules, the level RGAA 4.1
asks of French public bodies).

axe-core comes from npm (tests/browser/package.json; `npm ci` there); without it the test skips.
A violation left in a template another change owns is listed in KNOWN (page → rule) and in
docs/ACCESSIBILITY.md under "To fix". KNOWN is strict: once the page passes that rule, the test
fails until the entry is removed, like xfail(strict=True) but per page and rule.
"""

import json
import pathlib

import pytest

from .conftest import JOURNEYS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = pathlib.Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

# (page, axe rule) -> reason; see docs/ACCESSIBILITY.md, "To fix".
KNOWN = {}

# Every rule runs (best practices too, for the list of minor findings in docs/ACCESSIBILITY.md);
# only WCAG 2.0/2.1 A and AA rules of impact serious or critical fail the test.
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, tags: v.tags,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" "))
  }));
}"""


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def is_blocking(violation):
    return violation["impact"] in BLOCKING and any(tag in WCAG_TAGS for tag in violation["tags"])


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_no_serious_accessibility_violation(open_page, demo_site, journey, language):
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `npm ci` in tests/browser")
    problems, fixed, pages = [], [], {}
    for name in JOURNEYS[journey]:
        username, path = demo_site.pages[name]
        if username not in pages:
            pages[username] = open_page(username, language, bypass_csp=True)
        page = pages[username]
        response = page.goto(demo_site.url + path)
        assert response.status < 400, f"{name}: {response.status}"
        assert page.locator("html").get_attribute("lang") == language
        violations = axe_violations(page)
        for violation in violations:
            if not is_blocking(violation):
                print(
                    f"MINOR {language} | {name} | {violation['id']} ({violation['impact']}) | {violation['help']} | {violation['nodes']}"
                )
        blocking = {v["id"]: v for v in violations if is_blocking(v)}
        for rule, violation in blocking.items():
            if (name, rule) not in KNOWN:
                problems.append(f"{name}: {json.dumps(violation, ensure_ascii=False)}")
        for known_page, rule in KNOWN:
            if known_page == name and rule not in blocking:
                fixed.append(f"{name} passes {rule} now: remove it from KNOWN and docs/ACCESSIBILITY.md")
    assert problems == [] and fixed == [], "\n".join(problems + fixed)
