"""The keyed blind index: keys, digests and the normalisers that decide what counts as equal."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from isigurt.cases.tests.link_factories import NEW_KEY, OLD_KEY
from isigurt.lib import blind_index as bi

FIELD_KEY = "f1:" + "ZmllbGQtZW5jcnlwdGlvbi1rZXktMzItYnl0ZXMtMDA="


# --- keys and digests -----------------------------------------------------------------------


def test_a_digest_is_128_bits_of_hex_under_the_newest_key():
    with override_settings(BLIND_INDEX_KEYS=f"{NEW_KEY},{OLD_KEY}"):
        key_id, digest = bi.term_digest("word", "shkolla")
    assert key_id == "new"
    assert len(digest) == 32 and int(digest, 16) >= 0


def test_lookups_cover_every_key_newest_first():
    with override_settings(BLIND_INDEX_KEYS=f"{NEW_KEY},{OLD_KEY}"):
        lookups = bi.term_lookups("word", "shkolla")
        assert [key_id for key_id, _ in lookups] == ["new", "old"]
        assert lookups[0][1] != lookups[1][1]
    with override_settings(BLIND_INDEX_KEYS=OLD_KEY):
        assert bi.term_digest("word", "shkolla") == lookups[1]


def test_the_kind_is_part_of_the_digest():
    assert bi.term_digest("word", "+355691234567") != bi.term_digest("phone", "+355691234567")


def test_without_keys_a_development_key_is_derived_from_the_secret_key():
    with override_settings(BLIND_INDEX_KEYS="", SECRET_KEY="a" * 50):
        first = bi.term_digest("word", "shkolla")
    with override_settings(BLIND_INDEX_KEYS="", SECRET_KEY="b" * 50):
        second = bi.term_digest("word", "shkolla")
    assert first[0] == second[0] == "dev"
    assert first[1] != second[1]


@pytest.mark.parametrize(
    "value",
    ["nocolon", "bad id!:" + "A" * 43 + "=", "k1:not-base64!", "k1:QUJD", f"{NEW_KEY},{NEW_KEY}"],
)
def test_malformed_keys_are_refused(value):
    with override_settings(BLIND_INDEX_KEYS=value), pytest.raises(ImproperlyConfigured):
        bi.term_digest("word", "shkolla")


def test_production_check_wants_keys_of_the_index_own():
    bi.keys_check(NEW_KEY, FIELD_KEY)
    with pytest.raises(ImproperlyConfigured, match="must be set"):
        bi.keys_check("", FIELD_KEY)
    reused = "b1:" + FIELD_KEY.partition(":")[2]
    with pytest.raises(ImproperlyConfigured, match="must not reuse"):
        bi.keys_check(f"{NEW_KEY},{reused}", FIELD_KEY)


# --- words ----------------------------------------------------------------------------------


def test_words_are_folded_whole_and_counted_once():
    assert bi.words("Shkolla SHKOLLËS shkolla, Çelësi!") == ["shkolla", "shkolles", "celesi"]


def test_short_and_common_words_are_not_words():
    assert bi.words("ai në dhe the and për një me te 12") == []
    assert bi.words("mesazh dhe foto") == ["mesazh", "foto"]


def test_a_long_text_gives_at_most_max_words():
    text = " ".join(f"fjala{i}" for i in range(bi.MAX_WORDS + 50))
    assert len(bi.words(text)) == bi.MAX_WORDS


# --- links ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.example.com/post/1",
        "http://example.com/post/1/",
        "EXAMPLE.com/post/1#comments",
        "https://example.com:443/post/1?utm_source=share&fbclid=abc",
        "https://m.example.com/post/1",
        "https://user@example.com//post/1",
    ],
)
def test_one_page_written_in_many_ways_is_one_link(raw):
    assert bi.normalise_url(raw) == "example.com/post/1"


def test_query_order_is_fixed_and_page_numbers_kept():
    assert bi.normalise_url("example.com/f?b=2&a=1") == bi.normalise_url("example.com/f?a=1&b=2")
    # "t" is a topic on an ordinary site, a share mark on a platform.
    assert (
        bi.normalise_url("forum.example.al/viewtopic.php?t=5")
        == "forum.example.al/viewtopic.php?t=5"
    )
    assert bi.normalise_url("https://x.com/a/status/1?s=20&t=x") == "x.com/a/status/1"


def test_a_site_other_names_fold_into_one():
    assert bi.normalise_url("https://twitter.com/someone") == "x.com/someone"
    assert bi.normalise_url("https://youtu.be/abc?t=3") == "youtube.com/watch?v=abc"


@pytest.mark.parametrize("raw", ["", "hello", "ftp://example.com/a", "localhost:8000", "a b.com"])
def test_what_is_not_a_web_address_is_no_link(raw):
    assert bi.normalise_url(raw) == ""


def test_a_platform_home_page_is_no_reason_to_link():
    assert bi.url_is_bare_platform(bi.normalise_url("https://www.instagram.com/"))
    assert not bi.url_is_bare_platform(bi.normalise_url("https://www.instagram.com/someone"))


# --- usernames and platforms ----------------------------------------------------------------


@pytest.mark.parametrize("platform", ["Instagram", "IG", "insta", "instagram.com", " INSTAGRAM "])
def test_a_platform_has_one_name(platform):
    assert bi.normalise_username("@Ana.K", platform) == "instagram:ana.k"


def test_a_username_names_its_platform_or_none():
    assert bi.normalise_username("tiktok:@Ana.K") == "tiktok:ana.k"
    assert bi.normalise_username("Ana.K") == "ana.k"
    assert bi.normalise_username("ana", "Example chat app") == "examplechatapp:ana"
    assert bi.normalise_username("two words", "Instagram") == ""


@pytest.mark.parametrize(
    ("url", "username"),
    [
        ("https://www.instagram.com/ana.k/", "instagram:ana.k"),
        ("https://instagram.com/p/AbC123/", ""),
        ("https://www.tiktok.com/@Ana.K/video/1", "tiktok:ana.k"),
        ("https://twitter.com/Someone/status/1", "x:someone"),
        ("https://m.facebook.com/profile.php?id=1234", "facebook:1234"),
        ("https://facebook.com/groups/placeholder", ""),
        ("https://t.me/placeholder_channel", "telegram:placeholder_channel"),
        ("https://example.com/ana.k", ""),
    ],
)
def test_a_profile_link_gives_its_username(url, username):
    assert bi.username_from_url(bi.normalise_url(url)) == username
    if username:
        assert bi.normalise_username(url) == username


def test_any_platform_term_drops_the_platform():
    assert bi.any_platform("instagram:ana.k") == bi.any_platform("@Ana.K") == "@ana.k"


# --- phone numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["069 123 4567", "0691234567", "+355 69 123 4567", "00355691234567", "+355 069 123 4567",
     "69 123 4567", "(069) 123-4567"],
)  # fmt: skip
def test_an_albanian_mobile_written_in_many_ways_is_one_number(raw):
    assert bi.normalise_phone(raw) == "+355691234567"


def test_foreign_and_short_numbers():
    assert bi.normalise_phone("+39 333 123 4567") == "+393331234567"
    assert bi.normalise_phone("12345") == ""
    assert bi.normalise_phone("1" * 20) == ""


# --- what free text holds -------------------------------------------------------------------


def test_links_numbers_and_names_are_found_in_free_text():
    text = (
        "Shiko https://www.tiktok.com/@someone?lang=en dhe instagram.com/ana.k. "
        "Më shkroi nga 069 123 4567 më 12.03.2024 (ose 2024-03-12). "
        "E-mail ana@example.com. Edhe @placeholder_user."
    )
    assert bi.urls_in(text) == ["tiktok.com/@someone?lang=en", "instagram.com/ana.k"]
    assert bi.phones_in(text) == ["+355691234567"]
    assert "@placeholder_user" in bi.mentions_in(text)
    assert "@example.com" not in bi.mentions_in(text)


# --- every normaliser is idempotent and never fails -----------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_normalising_twice_changes_nothing(raw):
    url = bi.normalise_url(raw)
    assert bi.normalise_url(url) == url
    phone = bi.normalise_phone(raw)
    assert bi.normalise_phone(phone) == phone
    name = bi.normalise_username(raw, "Instagram")
    assert bi.normalise_username(name) == name
    for word in bi.words(raw):
        assert bi.words(word) == [word]


LINKS = st.from_regex(
    r"(https?://)?(www\.|m\.)?[a-zA-Z0-9\-]{1,12}\.[a-z]{2,4}(:[0-9]{1,5})?"
    r"(/[a-zA-Z0-9@._%\-]{0,10}){0,3}(\?[a-z_]{1,5}=[a-z0-9]{0,4}(&[a-z_]{1,5}=[a-z0-9]{0,3})?)?",
    fullmatch=True,
)


@settings(max_examples=300, deadline=None)
@given(LINKS)
def test_links_and_their_profiles_normalise_once(raw):
    url = bi.normalise_url(raw)
    assert bi.normalise_url(url) == url
    profile = bi.username_from_url(url)
    if profile:
        assert bi.normalise_username(profile) == profile
