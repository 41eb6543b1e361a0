"""/api/v1/docs: Swagger UI from the platform's own files, running under the CSP."""

import pytest

from isigurt.api.urls import api

pytestmark = pytest.mark.django_db

VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_the_docs_page_loads_nothing_from_elsewhere_and_nothing_inline(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    nonce = response.wsgi_request.csp_nonce
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert "cdn." not in html and "https://" not in html
    assert html.count("<script src=") == 2
    assert html.count(f'nonce="{nonce}"') == 2
    # The only other script element is the settings, as JSON data (never run).
    assert html.count("<script") == 3
    assert '<script id="swagger-settings" type="application/json">' in html


def test_the_docs_assets_are_served_by_the_platform(client):
    for path in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        response = client.get(f"/static/{path}")
        assert response.status_code == 200, path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_shows_the_operations_without_a_csp_violation(page, live_server):
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.add_init_script(VIOLATIONS)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/reports" in text for text in operations)
    assert len(operations) >= len(api.get_openapi_schema()["paths"])
    assert page.evaluate("window.__violations") == []
    assert not [text for text in messages if "Content Security Policy" in text]
