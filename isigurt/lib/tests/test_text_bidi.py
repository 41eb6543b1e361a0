"""Bidirectional controls cannot reorder what staff read, and staff see where they were."""

import re

from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from isigurt.lib.templatetags.bidi import bidi_marked
from isigurt.lib.text import BIDI_CONTROLS, BIDI_MARKER_PATTERN, bidi_neutralise

CONTROLS = sorted(BIDI_CONTROLS)
# Ordinary text mixed with controls, Albanian letters, Arabic and markup characters.
text_with_controls = st.text(
    alphabet=st.one_of(
        st.sampled_from(CONTROLS),
        st.sampled_from(list("abcçdëABÇË <>&\"'[]U+0123456789\u0627\u0644")),
        st.characters(),
    ),
    max_size=200,
)


def test_the_listed_controls_are_exactly_the_bidi_ones():
    expected = {*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}
    expected |= {"\u200e", "\u200f", "\u061c"}
    assert expected == BIDI_CONTROLS


def test_an_override_is_replaced_by_a_visible_marker_where_it_was():
    result = bidi_neutralise("pay \u202eKLA 001\u202c now")
    assert result.text == "pay [U+202E]KLA 001[U+202C] now"
    assert result.changed is True
    assert result.count == 2


def test_text_without_controls_is_returned_as_it_is():
    text = "Mesazh nga shkolla: çdo gjë në rregull"
    result = bidi_neutralise(text)
    assert result.text is text
    assert result.changed is False


@given(text_with_controls)
def test_no_control_survives_and_each_one_is_counted(text):
    result = bidi_neutralise(text)
    assert not BIDI_CONTROLS & set(result.text)
    assert result.count == sum(ch in BIDI_CONTROLS for ch in text)
    assert result.changed == any(ch in BIDI_CONTROLS for ch in text)


@given(text_with_controls)
def test_everything_else_is_kept_in_order(text):
    result = bidi_neutralise(text)
    if "[" not in text:  # a reporter may type something that looks like a marker
        assert BIDI_MARKER_PATTERN.sub("", result.text) == "".join(
            ch for ch in text if ch not in BIDI_CONTROLS
        )
        assert len(BIDI_MARKER_PATTERN.findall(result.text)) == result.count


@given(text_with_controls)
def test_neutralising_twice_changes_nothing_more(text):
    once = bidi_neutralise(text)
    twice = bidi_neutralise(once.text)
    assert twice.text == once.text
    assert twice.changed is False


@given(text_with_controls)
def test_the_filter_shows_each_control_to_staff_as_an_escaped_mark(text):
    html = str(bidi_marked(text))
    assert not BIDI_CONTROLS & set(html)
    assert "<" not in re.sub(r'<mark class="bidi-control" title="[^"<>]*">|</mark>', "", html)
    if "[" not in text:
        assert html.count('<mark class="bidi-control"') == bidi_neutralise(text).count


def test_the_filter_in_a_template_escapes_and_marks():
    template = Template("{% load bidi %}<p>{{ body|bidi_marked }}</p>")
    html = template.render(Context({"body": "<b>hi</b>\u202egnp.exe"}))
    assert "&lt;b&gt;hi&lt;/b&gt;" in html
    assert '<mark class="bidi-control" title="' in html
    assert ">[U+202E]</mark>gnp.exe</p>" in html
    assert "\u202e" not in html


def test_a_schema_field_typed_bidi_safe_is_neutralised_on_validation():
    from pydantic import BaseModel, Field

    from isigurt.lib.text import BidiSafeStr

    class MessageIn(BaseModel):
        body: BidiSafeStr = Field(max_length=20)

    assert MessageIn(body="hi \u202eevil").body == "hi [U+202E]evil"
    assert MessageIn(body="plain").body == "plain"
