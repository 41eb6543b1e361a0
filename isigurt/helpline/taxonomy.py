"""What children and adults contact the helpline about: a two-level tree, defined in code.

Modelled on Child Helpline International's data framework (the reasons for contact that child
helplines worldwide report to CHI), with online abuse split finely because the platform's
mission is a safe internet. A contact is classified with one or more topics; each topic
belongs to one main category. Codes are stable ("online.grooming"): statistics and the API
use them, labels are translated. A new topic is added at the end of its category; a code is
never reused for another meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SEPARATOR = "."
MAX_TOPIC_CODE_LENGTH = 40


@dataclass(frozen=True)
class Topic:
    code: str  # "<category>.<topic>"
    label: Promise | str


@dataclass(frozen=True)
class Category:
    code: str
    label: Promise | str
    topics: tuple[Topic, ...]


def _category(code: str, label: Promise, topics: list[tuple[str, Promise]]) -> Category:
    return Category(
        code=code,
        label=label,
        topics=tuple(Topic(code=f"{code}{SEPARATOR}{name}", label=text) for name, text in topics),
    )


TAXONOMY: tuple[Category, ...] = (
    _category(
        "online",
        _("Online abuse and safety"),
        [
            ("grooming", _("Grooming (an adult seeking sexual contact)")),
            ("sextortion", _("Sextortion (threats to share intimate images)")),
            ("abuse_material", _("Child sexual abuse material")),
            ("cyberbullying", _("Cyberbullying")),
            ("hate", _("Online hate")),
            ("harmful_content", _("Harmful content (self-harm, violence, drugs)")),
            ("privacy", _("Privacy and personal data")),
            ("scams", _("Scams and fraud")),
            ("gaming", _("Gaming")),
            ("excessive_use", _("Excessive use of screens or the internet")),
            ("other", _("Other online problem")),
        ],
    ),
    _category(
        "violence",
        _("Violence and abuse"),
        [
            ("physical", _("Physical violence")),
            ("emotional", _("Emotional or psychological violence")),
            ("sexual", _("Sexual abuse (offline)")),
            ("neglect", _("Neglect")),
            ("domestic", _("Violence at home, also witnessed")),
            ("bullying", _("Bullying in person")),
            ("exploitation", _("Exploitation, child labour or trafficking")),
            ("other", _("Other violence")),
        ],
    ),
    _category(
        "family",
        _("Family relationships"),
        [
            ("parent_child", _("Conflict with parents or carers")),
            ("separation", _("Separation or divorce of parents")),
            ("care", _("Living away from the family (alternative care)")),
            ("other", _("Other family matter")),
        ],
    ),
    _category(
        "peers",
        _("Peer relationships"),
        [
            ("friendship", _("Friendships")),
            ("partner", _("Boyfriend or girlfriend")),
            ("pressure", _("Peer pressure")),
            ("other", _("Other matter with peers")),
        ],
    ),
    _category(
        "mental_health",
        _("Mental health"),
        [
            ("anxiety", _("Worry, fear or stress")),
            ("sadness", _("Sadness or depression")),
            ("self_harm", _("Self-harm")),
            ("suicidal", _("Thoughts of suicide")),
            ("eating", _("Eating problems")),
            ("loneliness", _("Loneliness")),
            ("substances", _("Alcohol or drugs")),
            ("other", _("Other mental health matter")),
        ],
    ),
    _category(
        "sexuality",
        _("Sexuality"),
        [
            ("development", _("Puberty and sexual development")),
            ("identity", _("Sexual orientation or gender identity")),
            ("health", _("Sexual health, contraception or pregnancy")),
            ("other", _("Other question about sexuality")),
        ],
    ),
    _category(
        "education",
        _("Education and school"),
        [
            ("learning", _("Learning or results at school")),
            ("teachers", _("Problems with teachers")),
            ("access", _("Leaving school or no access to school")),
            ("other", _("Other school matter")),
        ],
    ),
    _category(
        "legal",
        _("Legal matters"),
        [
            ("rights", _("Children's rights")),
            ("justice", _("Police, courts or justice")),
            ("documents", _("Documents and civil status")),
            ("other", _("Other legal question")),
        ],
    ),
    _category(
        "basic_needs",
        _("Basic needs"),
        [
            ("poverty", _("Food, money or poverty")),
            ("shelter", _("Homelessness or shelter")),
            ("runaway", _("Running away or missing")),
            ("other", _("Other basic need")),
        ],
    ),
    _category(
        "physical_health",
        _("Physical health"),
        [
            ("illness", _("Illness or injury")),
            ("disability", _("Disability")),
            ("care", _("Access to health care")),
            ("other", _("Other health matter")),
        ],
    ),
    _category(
        "discrimination",
        _("Discrimination"),
        [
            ("ethnicity", _("Ethnicity, Roma or Egyptian origin")),
            ("disability", _("Disability")),
            ("gender", _("Gender")),
            ("other", _("Other discrimination")),
        ],
    ),
    _category(
        "other",
        _("Other or information"),
        [
            ("information", _("Information about the helpline or services")),
            ("silent", _("Silent or test contact")),
            ("abusive", _("Prank or abusive contact")),
            ("other", _("Something else")),
        ],
    ),
)

CATEGORIES: dict[str, Category] = {category.code: category for category in TAXONOMY}
TOPICS: dict[str, Topic] = {topic.code: topic for c in TAXONOMY for topic in c.topics}


def category_of(topic_code: str) -> str:
    """The main category of a known topic code ("online.grooming" -> "online")."""
    return topic_code.split(SEPARATOR, 1)[0]


def topic_label(code: str) -> str:
    topic = TOPICS.get(code)
    return str(topic.label) if topic else code


def category_label(code: str) -> str:
    category = CATEGORIES.get(code)
    return str(category.label) if category else code


def category_choices() -> list[tuple[str, str]]:
    return [(category.code, str(category.label)) for category in TAXONOMY]


def taxonomy_tree() -> list[dict[str, Any]]:
    """The tree in the active language (the API and the form's groups)."""
    return [
        {
            "code": category.code,
            "label": str(category.label),
            "topics": [{"code": t.code, "label": str(t.label)} for t in category.topics],
        }
        for category in TAXONOMY
    ]
