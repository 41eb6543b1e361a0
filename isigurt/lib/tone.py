"""Addressing an adult as "ju" on pages shared with children and teenagers.

English reads the same for everyone, but Albanian addresses a child or a teenager as "ti" and a
parent, a teacher or a professional as "ju". A page whose audience is adult is rendered inside
``adult_tone()``: while it lasts, every translated string is first looked up under the
translation context "adult" and falls back to the usual entry when the catalogue has no adult
form. So templates, forms and validation messages keep one ``{% translate %}`` or ``gettext``
each, and only the phrases that differ get an adult form, listed in ``ADULT_PHRASES`` (where the
extractor finds them; translate them in the catalogue with msgctxt "adult").
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils.translation import get_language, pgettext_lazy, trans_real

ADULT = "adult"
_SEPARATOR = "\x04"


class _AdultTone:
    """The active translation, asked first for the adult form of each string."""

    def __init__(self, base: Any) -> None:
        self._base = base

    def gettext(self, message: str) -> str:
        key = f"{ADULT}{_SEPARATOR}{message}"
        found = self._base.gettext(key)
        return self._base.gettext(message) if _SEPARATOR in found else found

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        keys = (f"{ADULT}{_SEPARATOR}{singular}", f"{ADULT}{_SEPARATOR}{plural}")
        found = self._base.ngettext(*keys, number)
        return self._base.ngettext(singular, plural, number) if _SEPARATOR in found else found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)


@contextmanager
def adult_tone(adult: bool = True) -> Iterator[None]:
    """Within it (when ``adult``), the active language speaks to an adult ("ju")."""
    if not adult:
        yield
        return
    active = trans_real._active  # type: ignore[attr-defined]
    previous = getattr(active, "value", None)
    active.value = _AdultTone(previous or trans_real.translation(get_language()))
    try:
        yield
    finally:
        if previous is None:
            del active.value
        else:
            active.value = previous


# The shared public pages' phrases whose Albanian differs for an adult ("ju" for "ti").
ADULT_PHRASES = (
    # step 1
    pgettext_lazy("adult", "Choose what is closest to what happened"),
    pgettext_lazy(
        "adult",
        "If more than one thing happened, choose them all. We ask first about the one highest in"
        " this list.",
    ),
    pgettext_lazy("adult", "Next"),
    pgettext_lazy("adult", "Choose what happened, so we can ask the right questions."),
    pgettext_lazy("adult", "Change who is telling us"),
    # step 2
    pgettext_lazy("adult", "Tell us more"),
    pgettext_lazy(
        "adult",
        "Every question is optional: answer what you know. You do not have to give your name."
        " Only if you ask the helpline to contact you do we need your phone number or e-mail"
        " and your agreement.",
    ),
    pgettext_lazy("adult", "Tell us what happened, in your own words"),
    pgettext_lazy("adult", "What happened? Tell us in your own words"),
    pgettext_lazy("adult", "Write as much or as little as you like. You can skip this."),
    pgettext_lazy("adult", "How can we answer you?"),
    pgettext_lazy("adult", "Do you want the helpline to contact you?"),
    pgettext_lazy(
        "adult",
        "Whatever you choose, you will get a tracking code and a secret to read our answers here.",
    ),
    pgettext_lazy("adult", "Your phone number or e-mail address"),
    pgettext_lazy("adult", "Send the report"),
    pgettext_lazy("adult", "You can add at most %(max_files)s pictures."),
    pgettext_lazy("adult", "Please do not send the picture."),
    pgettext_lazy("adult", "Please do not send the picture or a screenshot."),
    pgettext_lazy(
        "adult",
        "Just tell us where you saw it: the link is enough. You did the right thing by telling us.",
    ),
    pgettext_lazy(
        "adult",
        "Up to %(max_files)s pictures of the messages or the profile. Do not send pictures of"
        " anyone's body.",
    ),
    pgettext_lazy(
        "adult",
        "Call the police on 112, or ALO 116 111 (free, day and night). Then you can finish this"
        " report.",
    ),
    pgettext_lazy(
        "adult",
        "Call the police on 112, or ALO 116 111 (free, day and night). Your report was sent,"
        " but do not wait for our answer.",
    ),
    pgettext_lazy(
        "adult",
        "Just tell us where you saw it: the link is enough, and our team will look at it safely."
        " You did the right thing by telling us.",
    ),
    # errors
    pgettext_lazy("adult", "Nothing you wrote is lost."),
    pgettext_lazy("adult", "Please check these answers"),
    pgettext_lazy("adult", "Please check this answer."),
    pgettext_lazy("adult", "Give an e-mail address, like name@example.com."),
    pgettext_lazy(
        "adult",
        "Give a phone number we can call, with 8 to 15 digits, like 069 123 4567 or"
        " +355 69 123 4567.",
    ),
    pgettext_lazy(
        "adult", "Tick the box to let the helpline contact you, or choose to stay anonymous."
    ),
    pgettext_lazy("adult", "Give the date like 2025-03-31. It cannot be in the future."),
    pgettext_lazy("adult", "This is too long."),
    # the danger box and the confirmation page
    pgettext_lazy("adult", "If a child is in danger right now, call now"),
    pgettext_lazy("adult", "Call 112"),
    pgettext_lazy("adult", "Call 116 111"),
    pgettext_lazy("adult", "Call ALO 116 111"),
    pgettext_lazy("adult", "Thank you. We received your report."),
    pgettext_lazy("adult", "Your report was sent"),
    pgettext_lazy("adult", "Follow your report"),
    pgettext_lazy(
        "adult",
        "For your safety, the tracking code and secret are shown only once. If you wrote them"
        " down, you can follow your report.",
    ),
    # the session-expired page and the e-mail to a reporter
    pgettext_lazy("adult", "If you need help now, call ALO 116 111. It is free, day and night."),
    pgettext_lazy(
        "adult",
        "For your safety, a form stops working when its page has been open for a long time or"
        " the browser forgot it. It is not your fault, and nothing was sent yet.",
    ),
    pgettext_lazy("adult", "What you typed is still here. Press the button to send it again."),
    pgettext_lazy(
        "adult",
        "For your safety we do not keep pictures: you can add them again on the tracking page.",
    ),
    pgettext_lazy("adult", "Please open the page again and fill it in once more."),
    pgettext_lazy("adult", "I Sigurt: there is an answer for you"),
)
