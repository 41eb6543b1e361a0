"""Cases have no pages in the administration site, on purpose.

The platform administrator manages accounts, not cases (isigurt.accounts.permissions): cases,
their notes, tasks and timeline are read and changed only through the helpline's pages and
the API, which check roles, audit every read and change, and write the timeline. The same
holds for contacts (decision 0013).
"""
