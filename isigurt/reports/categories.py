"""What each report category asks, in words that fit who is reporting, and the advice it gives.

One table drives the web form, the phone app (through GET /api/v1/categories) and the
confirmation page, so the three never disagree.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from isigurt.reports.advice import ADVICE, URGENT
from isigurt.reports.models import Audience, Category
from isigurt.reports.validation import (
    ALL_GROUPS,
    CONTACT,
    DESCRIPTION,
    WHEN,
    WHERE,
    ReportDraft,
)

# Report fields in each question group, as the draft declares them (the API lists them so the
# app can build its form; the web form shows them group by group).
GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    group: ReportDraft.fields_asked_by(group) for group in ALL_GROUPS
}


@dataclass(frozen=True)
class CategorySpec:
    category: str
    # Label and one-line explanation per audience.
    labels: dict[str, Promise]
    explanations: dict[str, Promise]
    groups: tuple[str, ...]
    evidence_allowed: bool
    # Shown instead of an upload button where images must not be sent.
    evidence_note: Promise | None = None
    advice: dict[str, tuple[Promise, ...]] = field(default_factory=dict)


def _same(text: Promise) -> dict[str, Promise]:
    return {audience: text for audience in Audience.values}


def _young_and_adult(young: Promise, adult: Promise) -> dict[str, Promise]:
    return {Audience.CHILD: young, Audience.TEEN: young, Audience.ADULT: adult}


CATEGORY_SPECS: dict[str, CategorySpec] = {
    Category.ABUSE_MATERIAL: CategorySpec(
        category=Category.ABUSE_MATERIAL,
        labels={
            Audience.CHILD: _("I saw pictures or videos of a child being hurt in a sexual way"),
            Audience.TEEN: _("I saw sexual images or videos of a child online"),
            Audience.ADULT: _("Images or videos of a child being sexually abused"),
        },
        explanations={
            Audience.CHILD: _("Tell us where you saw it. Do not save it or send it to anyone."),
            Audience.TEEN: _("Send us the link. Do not download, share or screenshot it."),
            Audience.ADULT: _(
                "Give us the link. Do not download, share or screenshot the material:"
                " even keeping a copy is a crime."
            ),
        },
        groups=(WHERE, WHEN, DESCRIPTION, CONTACT),
        evidence_allowed=False,
        evidence_note=_(
            "Please send only the link, not a picture. Sharing or keeping these images, even to"
            " report them, spreads the harm. Our analysts will look at the link safely."
        ),
        advice=ADVICE[Category.ABUSE_MATERIAL],
    ),
    Category.GROOMING: CategorySpec(
        category=Category.GROOMING,
        labels={
            Audience.CHILD: _("Someone I met online asks for photos of my body or to meet me"),
            Audience.TEEN: _("Someone asks me for sexual pictures or to meet in secret"),
            Audience.ADULT: _("An adult or stranger asking a child for sexual images or meetings"),
        },
        explanations={
            Audience.CHILD: _("Grown-ups should never ask children to keep secrets like this."),
            Audience.TEEN: _("Nobody should pressure you for pictures or secret meetings."),
            Audience.ADULT: _(
                "Grooming: building trust with a child in order to abuse them sexually."
            ),
        },
        groups=ALL_GROUPS,
        evidence_allowed=True,
        advice=ADVICE[Category.GROOMING],
    ),
    Category.SEXTORTION: CategorySpec(
        category=Category.SEXTORTION,
        labels={
            Audience.CHILD: _(
                "Someone says they will show my private photos unless I do something"
            ),
            Audience.TEEN: _("Someone threatens to share intimate images of me"),
            Audience.ADULT: _("Someone threatening to share intimate images unless paid"),
        },
        explanations={
            Audience.CHILD: _("This is not your fault and we can help."),
            Audience.TEEN: _(
                "They ask for money or more pictures. You are not alone: we can help."
            ),
            Audience.ADULT: _(
                "Sextortion: blackmail with intimate images, for money or more images."
            ),
        },
        groups=ALL_GROUPS,
        evidence_allowed=True,
        advice=ADVICE[Category.SEXTORTION],
    ),
    Category.BULLYING: CategorySpec(
        category=Category.BULLYING,
        labels={
            Audience.CHILD: _("Someone is being mean to me or to a friend online"),
            Audience.TEEN: _("Bullying, harassment or humiliation online"),
            Audience.ADULT: _("Bullying, harassment or humiliation of a child online"),
        },
        explanations={
            Audience.CHILD: _("Hurtful messages, fake stories or leaving someone out on purpose."),
            Audience.TEEN: _("Insults, threats, rumours, embarrassing posts or fake profiles."),
            Audience.ADULT: _("Repeated hurtful behaviour towards a child online."),
        },
        groups=ALL_GROUPS,
        evidence_allowed=True,
        advice=ADVICE[Category.BULLYING],
    ),
    Category.HATE: CategorySpec(
        category=Category.HATE,
        labels={
            Audience.CHILD: _("Someone says bad things about people because of who they are"),
            Audience.TEEN: _("Hate or discrimination"),
            Audience.ADULT: _("Hate speech or discrimination"),
        },
        explanations={
            Audience.CHILD: _(
                "Someone is unkind to people because of where they come from, what they believe,"
                " how their body works, or who they are."
            ),
            Audience.TEEN: _(
                "Attacks on people for their origin, religion, disability, gender or who they love."
            ),
            Audience.ADULT: _(
                "Attacks on people for their origin, religion, disability, gender or who they love."
            ),
        },
        groups=ALL_GROUPS,
        evidence_allowed=True,
        advice=ADVICE[Category.HATE],
    ),
    Category.HARMFUL_CONTENT: CategorySpec(
        category=Category.HARMFUL_CONTENT,
        labels={
            Audience.CHILD: _("I saw something scary or upsetting online"),
            Audience.TEEN: _("Harmful content: self-harm, suicide, violence or drugs"),
            Audience.ADULT: _("Harmful content (self-harm, suicide, violence, drugs)"),
        },
        explanations={
            Audience.CHILD: _("Pictures, videos or words that made you feel scared or sad."),
            Audience.TEEN: _("Content that could hurt children who see it."),
            Audience.ADULT: _("Content that could hurt children who see it."),
        },
        groups=(WHERE, WHEN, DESCRIPTION, CONTACT),
        evidence_allowed=False,
        advice=ADVICE[Category.HARMFUL_CONTENT],
    ),
    Category.ACCOUNT_MISUSE: CategorySpec(
        category=Category.ACCOUNT_MISUSE,
        labels={
            Audience.CHILD: _("Someone got into my account or pretends to be me"),
            Audience.TEEN: _("Account hacked or impersonation"),
            Audience.ADULT: _("Account hacked or impersonation"),
        },
        explanations=_young_and_adult(
            _("Someone took over an account or made a fake one in your name."),
            pgettext_lazy("adult", "Someone took over an account or made a fake one in your name."),
        ),
        groups=ALL_GROUPS,
        evidence_allowed=False,
        advice=ADVICE[Category.ACCOUNT_MISUSE],
    ),
    Category.OTHER: CategorySpec(
        category=Category.OTHER,
        labels=_same(_("Something else")),
        explanations=_young_and_adult(
            _("Anything else online that worries you."),
            pgettext_lazy("adult", "Anything else online that worries you."),
        ),
        groups=ALL_GROUPS,
        evidence_allowed=False,
        advice=ADVICE[Category.OTHER],
    ),
}

EVIDENCE_CATEGORIES = frozenset(c for c, spec in CATEGORY_SPECS.items() if spec.evidence_allowed)


def _audience(audience: str) -> str:
    return audience if audience in Audience.values else Audience.ADULT


def category_specs(audience: str) -> list[dict[str, Any]]:
    """Every category as plain data for one audience, strings in the active language."""
    audience = _audience(audience)
    return [
        {
            "category": str(spec.category),
            "label": str(spec.labels[audience]),
            "explanation": str(spec.explanations[audience]),
            "groups": list(spec.groups),
            "fields": [name for group in spec.groups for name in GROUP_FIELDS[group]],
            "evidence_allowed": spec.evidence_allowed,
            "evidence_note": str(spec.evidence_note) if spec.evidence_note else "",
            "advice": advice_for(spec.category, audience),
        }
        for spec in CATEGORY_SPECS.values()
    ]


def advice_for(category: str, audience: str) -> list[str]:
    """The advice shown after a report, in the active language; [] for an unknown category."""
    spec = CATEGORY_SPECS.get(category)
    if spec is None:
        return []
    return [str(line) for line in spec.advice.get(_audience(audience), ())]


def advice_for_all(categories: Sequence[str], audience: str) -> list[str]:
    """The advice for every category a report names, main one first, each line once; an
    urgent line (do not pay) comes right after the first, wherever its category is."""
    lines = list(
        dict.fromkeys(line for category in categories for line in advice_for(category, audience))
    )
    urgent = {str(line) for line in URGENT}
    first, rest = lines[:1], lines[1:]
    return first + [x for x in rest if x in urgent] + [x for x in rest if x not in urgent]


def category_label(category: str, audience: str) -> str:
    spec = CATEGORY_SPECS.get(category)
    return str(spec.labels[_audience(audience)]) if spec else category


def categories_for_staff(categories: Sequence[str], audience: str) -> list[dict[str, str]]:
    """Each category a report names, main one first: its canonical label and, beside it, the
    words the reporter chose it by (empty when they are the same), in the active language."""
    rows: list[dict[str, str]] = []
    for category in categories:
        label = str(Category(category).label) if category in Category.values else category
        words = category_label(category, audience)
        same = words == label
        rows.append({"category": category, "label": label, "words": "" if same else words})
    return rows


def combined_spec(categories: Sequence[str], audience: str) -> dict[str, Any] | None:
    """What step 2 asks for one category or several chosen together, or None if one is unknown.

    The first category is the main one: its words and notes. The questions are those of every
    category chosen; pictures are asked for only when every one of them takes pictures.
    """
    specs = {spec["category"]: spec for spec in category_specs(audience)}
    if not categories or any(category not in specs for category in categories):
        return None
    chosen = [specs[category] for category in dict.fromkeys(categories)]
    groups = [group for group in ALL_GROUPS if any(group in spec["groups"] for spec in chosen)]
    return {
        **chosen[0],
        "groups": groups,
        "fields": [name for group in groups for name in GROUP_FIELDS[group]],
        "evidence_allowed": all(spec["evidence_allowed"] for spec in chosen),
        "categories": [spec["category"] for spec in chosen],
        "also": [spec["label"] for spec in chosen[1:]],
    }
