"""What to do next, per category and per audience, in words that fit who reads them.

The confirmation page after a report, the app's advice pages and the categories API all read
these lists (through ``categories.advice_for``), so they never disagree.

A child (8 to 12) and a teenager are addressed as "ti" in Albanian; a parent, teacher or
professional as "ju". Where an adult's line reads the same as a young person's in English, it
carries the translation context "adult" (written as a literal: the extractor reads it), so
that Albanian can address each one properly.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from isigurt.reports.models import Audience, Category

TAKE_IT_DOWN_URL = "https://takeitdown.ncmec.org/"
STOP_NCII_URL = "https://stopncii.org/"

# --- a child (8 to 12) -----------------------------------------------------------------------
_TELL_ADULT_CHILD = _("Tell a grown-up you trust, like a parent or a teacher.")
_CALL_HELPLINE = _("You can call ALO 116 111 for free, any time, to talk about it.")
_NOT_YOUR_FAULT_CHILD = _("It is not your fault. You did the right thing by telling us.")

# --- a teenager (13 to 17) -------------------------------------------------------------------
_TELL_ADULT = _("Tell an adult you trust.")
_KEEP_PROOF = _("Do not delete the messages: they help us act.")
_BLOCK_REPORT = _("Block the person and report the account on the app or site.")
_NOT_YOUR_FAULT_EVEN_IF_SENT = _(
    "It is not your fault, even if you sent the picture yourself. The person who threatens or"
    " pressures you is the one doing wrong."
)
_PAYING_DOES_NOT_STOP = _("Do not pay: paying does not make it stop, they usually ask for more.")
_STOP_REPLYING = _("Stop replying.")
_SAVE_THEN_BLOCK = _(
    "First save the messages and the name of the profile, then block the person and report the"
    " account."
)
_TAKE_IT_DOWN_TEEN = _(
    "To have an intimate picture of you removed, use Take It Down (for under-18s):"
    " https://takeitdown.ncmec.org/"
)
_STOP_NCII_TEEN = _(
    "If you were 18 or older in the picture, use StopNCII instead: https://stopncii.org/"
)

# --- an adult: a parent, a teacher, a professional -------------------------------------------
_ADULT_NOT_THEIR_FAULT = pgettext_lazy(
    "adult",
    "Tell the child calmly that it is not their fault, and that they did the right thing by"
    " telling you.",
)
_ADULT_DO_NOT_PAY = pgettext_lazy(
    "adult",
    "Do not pay and do not contact the person yourself: paying does not make it stop.",
)
_ADULT_DO_NOT_CONTACT = pgettext_lazy("adult", "Do not contact or confront the person yourself.")
_ADULT_KEEP_MESSAGES = pgettext_lazy(
    "adult",
    "Keep the messages, the profile names and the links, but never save, screenshot or forward"
    " sexual images of a child.",
)
_ADULT_REPORT = pgettext_lazy(
    "adult",
    "Report it to the State Police, to ALO 116 111 or to the child protection worker of your"
    " municipality.",
)
_ADULT_TAKE_IT_DOWN = pgettext_lazy(
    "adult",
    "An intimate image of someone under 18 can be removed with Take It Down:"
    " https://takeitdown.ncmec.org/",
)
_ADULT_STOP_NCII = pgettext_lazy(
    "adult",
    "If the person in the image is an adult, StopNCII helps remove it: https://stopncii.org/",
)
_ADULT_CALL_HELPLINE = pgettext_lazy(
    "adult", "You can call ALO 116 111 for free, any time, for advice."
)
_ADULT_KEEP_PROOF = pgettext_lazy("adult", "Keep the messages and the links: they help us act.")
_ADULT_BLOCK_REPORT = pgettext_lazy(
    "adult", "Block the person and report the account on the app or site."
)


def _lists(
    child: tuple[Promise, ...], teen: tuple[Promise, ...], adult: tuple[Promise, ...]
) -> dict[str, tuple[Promise, ...]]:
    return {Audience.CHILD: child, Audience.TEEN: teen, Audience.ADULT: adult}


ADVICE: dict[str, dict[str, tuple[Promise, ...]]] = {
    Category.ABUSE_MATERIAL: _lists(
        (
            _("Close the page and do not look at it again."),
            _NOT_YOUR_FAULT_CHILD,
            _TELL_ADULT_CHILD,
        ),
        (
            _("Do not download, share or screenshot it."),
            _("Do not try to find out more yourself: leave it to the police and us."),
            _CALL_HELPLINE,
        ),
        (
            pgettext_lazy("adult", "Do not download, share or screenshot it."),
            pgettext_lazy(
                "adult",
                "Do not try to find out more yourself: leave it to the police and us.",
            ),
            pgettext_lazy(
                "adult",
                "If a child saw it, tell them calmly that it is not their fault.",
            ),
            _ADULT_REPORT,
        ),
    ),
    Category.GROOMING: _lists(
        (
            _("Stop talking to this person."),
            _("Do not send any photos and do not go to meet them."),
            _TELL_ADULT_CHILD,
            _NOT_YOUR_FAULT_CHILD,
        ),
        (
            _NOT_YOUR_FAULT_EVEN_IF_SENT,
            _STOP_REPLYING,
            _("Do not agree to meet."),
            _SAVE_THEN_BLOCK,
            _TAKE_IT_DOWN_TEEN,
            _STOP_NCII_TEEN,
            _TELL_ADULT,
        ),
        (
            _ADULT_NOT_THEIR_FAULT,
            _ADULT_DO_NOT_CONTACT,
            _ADULT_KEEP_MESSAGES,
            _ADULT_REPORT,
            _ADULT_TAKE_IT_DOWN,
        ),
    ),
    Category.SEXTORTION: _lists(
        (
            _("Do not pay and do not send anything more."),
            _("Do not delete the messages."),
            _STOP_REPLYING,
            _TELL_ADULT_CHILD,
            _("We can help get the pictures taken down."),
        ),
        (
            _NOT_YOUR_FAULT_EVEN_IF_SENT,
            _PAYING_DOES_NOT_STOP,
            _("Do not send more images."),
            _STOP_REPLYING,
            _SAVE_THEN_BLOCK,
            _TAKE_IT_DOWN_TEEN,
            _STOP_NCII_TEEN,
            _TELL_ADULT,
        ),
        (
            _ADULT_NOT_THEIR_FAULT,
            _ADULT_DO_NOT_PAY,
            _ADULT_KEEP_MESSAGES,
            _ADULT_REPORT,
            _ADULT_TAKE_IT_DOWN,
            _ADULT_STOP_NCII,
        ),
    ),
    Category.BULLYING: _lists(
        (_("Do not answer back."), _TELL_ADULT_CHILD, _NOT_YOUR_FAULT_CHILD),
        (_("Do not answer back."), _KEEP_PROOF, _BLOCK_REPORT, _TELL_ADULT),
        (
            _ADULT_NOT_THEIR_FAULT,
            pgettext_lazy("adult", "Do not answer back for the child."),
            _ADULT_KEEP_PROOF,
            _ADULT_BLOCK_REPORT,
            _ADULT_CALL_HELPLINE,
        ),
    ),
    Category.HATE: _lists(
        (_("Do not answer back."), _TELL_ADULT_CHILD),
        (_KEEP_PROOF, _BLOCK_REPORT, _CALL_HELPLINE),
        (_ADULT_KEEP_PROOF, _ADULT_BLOCK_REPORT, _ADULT_CALL_HELPLINE),
    ),
    Category.HARMFUL_CONTENT: _lists(
        (_("Close it and talk to a grown-up you trust."), _CALL_HELPLINE),
        (
            _("If you are having thoughts of hurting yourself, call ALO 116 111 now."),
            _("Do not share it further."),
            _TELL_ADULT,
        ),
        (
            pgettext_lazy(
                "adult",
                "If a child speaks of hurting themselves, stay with them and call ALO 116 111"
                " or 112 now.",
            ),
            pgettext_lazy("adult", "Do not share it further."),
            _ADULT_CALL_HELPLINE,
        ),
    ),
    Category.ACCOUNT_MISUSE: _lists(
        (_("Ask a grown-up to help you change your password."), _TELL_ADULT_CHILD),
        (
            _("Change your password and turn on two-step login."),
            _("Report the fake account to the app or site."),
            _KEEP_PROOF,
        ),
        (
            pgettext_lazy("adult", "Change the password and turn on two-step login."),
            pgettext_lazy("adult", "Report the fake account to the app or site."),
            _ADULT_KEEP_PROOF,
        ),
    ),
    Category.OTHER: _lists(
        (_TELL_ADULT_CHILD, _CALL_HELPLINE),
        (_CALL_HELPLINE,),
        (_ADULT_CALL_HELPLINE,),
    ),
}

# Read before anything else but the first line when several categories' advice is combined:
# paying a blackmailer never makes it stop.
URGENT = (
    _PAYING_DOES_NOT_STOP,
    _ADULT_DO_NOT_PAY,
)
