"""S4: no staff page, admin page or staff API call works on a password-only session."""

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern
from django.utils import translation
from django_otp.middleware import OTPMiddleware
from ninja.errors import HttpError

from isigurt.api.auth import StaffSessionAuth

pytestmark = pytest.mark.django_db

HALF_LOGIN_VIEWS = {"accounts:verify", "accounts:enrol", "accounts:logout"}
SAMPLE = {"int": "1", "uuid": "00000000-0000-4000-8000-000000000001"}


def _sample_route(route: str) -> str:
    def value(match: re.Match[str]) -> str:
        return SAMPLE.get(match.group(1) or "str", "x")

    return re.sub(r"<(?:(\w+):)?\w+>", value, route)


def _sample_regex(regex: str) -> str:
    regex = regex.lstrip("^").removesuffix("$").removesuffix(r"\Z")

    def group(match: re.Match[str]) -> str:
        body = match.group(1)
        if re.fullmatch(r"[\w|-]+", body):
            return body.split("|")[0]  # an alternation of names: take the first
        return "1"

    return re.sub(r"\(\?P<\w+>((?:[^()]|\([^()]*\))*)\)", group, regex).replace("\\", "")


def _sample(pattern: object) -> str:
    if isinstance(pattern, LocalePrefixPattern):
        return pattern.language_prefix
    if isinstance(pattern, RoutePattern):
        return _sample_route(str(pattern._route))
    if isinstance(pattern, RegexPattern):
        return _sample_regex(str(pattern._regex))
    raise AssertionError(f"unknown pattern type {type(pattern)}")


def _walk(patterns: list, prefix: str = "/") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _sample(entry.pattern))
        else:
            yield prefix + _sample(entry.pattern), entry


def _verify_path(language: str) -> str:
    with translation.override(language):
        return reverse("accounts:verify")


def staff_urls() -> list[tuple[str, str]]:
    """Every URL in the URLconf whose view is not public, with its view name."""
    found = []
    for url, entry in _walk(get_resolver().url_patterns):
        if getattr(entry.callback, "login_required", True) is False:
            continue
        match = resolve(url)
        if getattr(match.func, "login_required", True) is False:
            continue
        if match.view_name in HALF_LOGIN_VIEWS:
            continue
        found.append((url, match.view_name))
    return found


def test_the_staff_url_list_covers_staff_home_and_admin():
    names = {name for _, name in staff_urls()}
    assert "accounts:home" in names
    assert "admin:index" in names
    assert "accounts:login" not in names


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_reaches_no_staff_url_with_a_password_only_session(
    password_only_client, platform_admin, method
):
    client = password_only_client(platform_admin)
    # Unprefixed URLs (admin) answer in Albanian, so either language's verify page is right.
    verify_pages = tuple(_verify_path(language) for language in ("sq", "en"))
    reached = []
    for url, name in staff_urls():
        response = getattr(client, method)(url)
        if response.status_code != 302 or not response["Location"].startswith(verify_pages):
            reached.append((name, url, response.status_code))
    assert reached == []


def test_it_reaches_staff_home_once_verified(staff_client, platform_admin):
    assert staff_client(platform_admin).get(reverse("accounts:home")).status_code == 200


def test_it_opens_admin_only_with_a_verified_second_factor(
    staff_client, password_only_client, platform_admin
):
    assert staff_client(platform_admin).get(reverse("admin:index")).status_code == 200
    response = password_only_client(platform_admin).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(_verify_path("sq"))


def test_it_sends_admin_login_to_the_staff_login():
    response = Client().get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    response = Client().post(reverse("admin:login"), {"username": "x", "password": "y"})
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_keeps_admin_closed_to_staff_without_the_admin_flag(staff_client, operator):
    response = staff_client(operator).get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:home")
    assert response.resolver_match.view_name == "accounts:home"


# --- the staff API's authentication ---------------------------------------------------------


def _api_request(client: Client, method: str = "get", csrf_token: str | None = None) -> HttpRequest:
    """A request carrying the client's session cookie, through the real auth middlewares."""
    factory = RequestFactory()
    headers = {"HTTP_X_CSRFTOKEN": csrf_token} if csrf_token else {}
    request = getattr(factory, method)("/api/v1/probe", **headers)
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie:
        request.COOKIES[settings.SESSION_COOKIE_NAME] = cookie.value
    if csrf_token:
        request.COOKIES[settings.CSRF_COOKIE_NAME] = csrf_token
    for middleware in (SessionMiddleware, AuthenticationMiddleware, OTPMiddleware):
        middleware(lambda r: HttpResponse())(request)
    return request


def test_the_api_auth_returns_the_user_of_a_verified_session(staff_client, operator):
    request = _api_request(staff_client(operator))
    assert StaffSessionAuth()(request) == operator


def test_the_api_auth_refuses_a_password_only_session(password_only_client, operator):
    request = _api_request(password_only_client(operator))
    assert StaffSessionAuth()(request) is None


def test_the_api_auth_refuses_no_session():
    assert StaffSessionAuth()(_api_request(Client())) is None


def test_the_api_auth_needs_the_csrf_token_for_unsafe_methods(staff_client, operator):
    client = staff_client(operator)
    with pytest.raises(HttpError) as refused:
        StaffSessionAuth()(_api_request(client, "post"))
    assert refused.value.status_code == 403
    token = "a" * 32
    assert StaffSessionAuth()(_api_request(client, "post", csrf_token=token)) == operator
