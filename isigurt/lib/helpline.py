"""The numbers a child in trouble can call, written once for pages, the API and the app."""

HELPLINE_NUMBER = "116 111"  # ALO 116 111, the national child helpline: free, day and night
EMERGENCY_NUMBER = "112"


def dialable(number: str) -> str:
    """The number as a tel: link wants it ("116111")."""
    return number.replace(" ", "")


def helpline_context() -> dict[str, str]:
    """Template variables for tel: links (every page, the error pages and the 503 page)."""
    return {
        "HELPLINE_NUMBER": dialable(HELPLINE_NUMBER),
        "EMERGENCY_NUMBER": dialable(EMERGENCY_NUMBER),
    }
