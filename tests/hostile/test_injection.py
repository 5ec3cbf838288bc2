"""Clause text with every injection trick, through the API, into the clause preview, the tender's
rendered clauses (API), and the tender pages: nothing executable or fetchable comes out."""

from html.parser import HTMLParser

import pytest
from django.test import Client
from rest_framework.test import APIClient

from clause_library import markdown

from ..factories import clause_content

pytestmark = pytest.mark.django_db

TRICKS = "\n\n".join(
    [
        "<script>alert('script')</script>",
        '<img src=x onerror="alert(1)">',
        "<svg onload=alert(2)><circle r=1/></svg>",
        "[lien](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==)",
        "[vb](vbscript:msgbox(5)) [spaced](  JaVaScRiPt:alert(6)) [entity](&#106;avascript:alert(7))",
        "![image](javascript:alert(8)) ![pixel](http://127.0.0.1:9/track.png)",
        '<a href="javascript:alert(9)">a</a> <iframe src=//evil></iframe> <object data=x></object>',
        "<style>body{background:url(http://127.0.0.1:9/css)}</style> <link rel=stylesheet href=http://127.0.0.1:9/x.css>",
        '<p style="background:url(http://127.0.0.1:9/bg)">styled</p> <div style="font-size:1e9px">big</div>',
        "@import url(http://127.0.0.1:9/i.css); {% load static %}{% debug %} {# c #}",
        "<form action=http://127.0.0.1:9><input name=p></form> <base href=http://127.0.0.1:9/> <meta http-equiv=refresh>",
        "\"><script>alert(10)</script> '-alert(11)-' </textarea><script>alert(12)</script>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(13)>",
        "{{ valeur }}",
    ]
)
VALUE = "<script>alert('param')</script>\"><img src=x onerror=alert(14)>{% debug %}"
# Independent of the sanitiser's allow-list (which `_Tags` reads from the module): tags that run
# or fetch something, which that list must never grow to include.
RUNNING_OR_FETCHING_TAGS = set(
    "script style iframe frame frameset object embed applet svg math img picture source video audio track"
    " link meta base form input button textarea select template noscript".split()
)
RUNNING_OR_FETCHING_ATTRIBUTES = {"style", "src", "srcset", "action", "formaction", "background", "xlink:href"}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag not in markdown.ALLOWED_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") or name in ("style", "src", "srcset", "action", "formaction", "background"):
                self.found.append(f"{tag}@{name}")
            if name == "href" and not value.startswith(("http://", "https://", "mailto:", "#")):
                self.found.append(f"{tag}@href={value[:30]}")


class _PageTags(HTMLParser):
    """On a whole page: our own markup is allowed, anything that would run or fetch from elsewhere is not."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: (value or "").strip() for name, value in attrs}
        if tag in ("iframe", "object", "embed", "svg", "math", "base", "style", "frame"):
            self.found.append(f"<{tag}>")
        if tag == "script" and not attrs.get("src", "").startswith("/static/"):
            self.found.append("inline <script>")
        if tag == "link" and not attrs.get("href", "").startswith("/static/"):
            self.found.append(f"<link href={attrs.get('href')}>")
        if tag == "meta" and "http-equiv" in attrs:
            self.found.append("<meta http-equiv>")
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                self.found.append(f"{tag}@{name}")
            if name in ("href", "src", "action", "formaction") and value.lower().startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.found.append(f"{tag}@{name}={value[:20]}")
            if "127.0.0.1:9" in value and name in ("href", "src", "action"):
                self.found.append(f"{tag}@{name} fetches {value}")


def dangerous(html):
    """Real markup that could run or fetch something (escaped text is harmless and ignored)."""
    parser = _Tags()
    parser.feed(html)
    return parser.found


def test_the_sanitiser_s_allow_list_holds_nothing_that_runs_or_fetches():
    assert markdown.ALLOWED_TAGS & RUNNING_OR_FETCHING_TAGS == set()
    for tag, names in markdown.ALLOWED_ATTRIBUTES.items():
        assert not any(name.startswith("on") for name in names), tag
        assert names & RUNNING_OR_FETCHING_ATTRIBUTES == set(), tag


def test_the_sanitiser_alone_stops_the_tricks_written_as_html():
    # The Markdown parser escapes raw HTML before nh3 sees it; fed the tricks as HTML, nh3 must still stop them.
    assert dangerous(markdown.sanitize(TRICKS)) == []
    assert dangerous(markdown.render_html(TRICKS, {"valeur": VALUE})) == []


@pytest.fixture
def admin_api(dataset_a):
    client = APIClient()
    client.force_authenticate(dataset_a.admin)
    return client


@pytest.fixture
def hostile_clause(admin_api, dataset_a):
    content = clause_content(
        body=TRICKS,
        title="<script>alert('title')</script>",
        question="<img src=x onerror=alert(15)>",
        parameters=[
            {
                "name": "valeur",
                "label": "<b onmouseover=alert(16)>V</b>",
                "type": "text",
                "default": VALUE,
                "required": True,
            }
        ],
        references=[{"label": "<script>r</script>", "url": 'https://example.org/"><script>alert(17)</script>'}],
    )
    response = admin_api.post(
        "/api/v1/clauses/", {"library": dataset_a.library.pk, "key": "hostile", **content}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_the_clause_preview_is_inert(hostile_clause):
    preview = hostile_clause["preview"]
    assert dangerous(preview) == []
    # The text survives, shown as text; the template tags are plain characters.
    assert "{% debug %}" in preview.replace("&#123;", "{") or "{% debug %}" in preview
    assert "insecure-development-key" not in preview
    assert "&lt;script&gt;alert(&#x27;param&#x27;)" in preview or "&lt;script&gt;alert('param')" in preview


def test_the_tender_s_rendered_clause_and_pages_are_inert(admin_api, hostile_clause, dataset_a):
    from tenders import services

    tender = services.tender_create(
        user=dataset_a.admin,
        organization=dataset_a.organization,
        reference="AO-X",
        title="<script>alert('tender')</script>",
    )
    response = admin_api.post(
        f"/api/v1/tenders/{tender.pk}/clauses/",
        {"clause": hostile_clause["id"], "parameters": {"valeur": VALUE}},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert dangerous(response.json()["rendered_body"]) == []
    pages = Client()
    pages.force_login(dataset_a.admin)
    for url in (
        f"/tenders/{tender.pk}/",
        f"/tenders/{tender.pk}/preview/",
        f"/libraries/{dataset_a.library.pk}/clauses/{hostile_clause['id']}/",
        f"/libraries/{dataset_a.library.pk}/",
    ):
        page = pages.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        checker = _PageTags()
        checker.feed(html)
        assert checker.found == [], url
        assert "insecure-development-key" not in html
        assert "Content-Security-Policy" in page.headers


def test_template_expressions_naming_no_parameter_are_refused(admin_api, dataset_a):
    for body in (
        "{{ settings.SECRET_KEY }}",
        "{{ request.user.password }}",
        "{{ valeur.__class__.__mro__ }}",
        "{{valeur|safe}}",
    ):
        content = clause_content(body=body, parameters=[])
        response = admin_api.post(
            "/api/v1/clauses/", {"library": dataset_a.library.pk, "key": "t", **content}, format="json"
        )
        assert response.status_code == 400 and "body" in response.json(), body
