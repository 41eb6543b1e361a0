"""The JSON API at /api/v1/: each app keeps its endpoints in its own api.py."""

from ninja import NinjaAPI

from isigurt.api.auth import ApiTokenAuth, StaffSessionAuth, install_access_handlers
from isigurt.api.docs import PlatformSwagger
from isigurt.api.errors import JsonParser, install_error_handlers
from isigurt.cases.api import router as cases_router
from isigurt.geography.api import router as geography_router
from isigurt.helpline.api import router as helpline_router
from isigurt.referrals.api import router as referrals_router
from isigurt.referrals.procedure_api import router as procedure_router
from isigurt.reports.api import router as reports_router

api = NinjaAPI(
    title="I Sigurt API",
    version="1",
    description=(
        "Reporting and reference data for the I Sigurt platform and its phone app.\n\n"
        "Every error answer has one shape, `ErrorOut`: `detail`, a sentence for a person, and"
        " `errors`, a list of `{field, message}` (field null for the request as a whole), in"
        " the caller's language (`?lang=` or `Accept-Language`). 400: a body that is not"
        " JSON, or a missing or malformed header; 413: a body over 64 KB; 415: not JSON;"
        " 422: answers that do not fit; 429 and 503 carry `Retry-After`.\n\n"
        "Staff operations take the staff session with its second factor. Partner systems of"
        " an institution send their organisation's API token instead, as"
        " `Authorization: Bearer isg_...`, where an operation lists `ApiTokenAuth`; a token"
        " reads what an officer of its organisation reads."
    ),
    urls_namespace="api",
    docs_url="/docs",
    parser=JsonParser(),
    docs=PlatformSwagger(),  # served from the platform, under the CSP
    # Closed by default: an operation is public only where its router says auth=None.
    auth=StaffSessionAuth(),
)
install_error_handlers(api)
install_access_handlers(api)
# Public: reference data, and intake (reporters prove themselves with their secret).
api.add_router("/geography", geography_router, tags=["geography"], auth=None)
api.add_router("/", reports_router, tags=["reports"], auth=None)
# Staff (the default authentication), except the taxonomy, which is reference data.
api.add_router("/helpline", helpline_router, tags=["helpline"])
api.add_router("/cases", cases_router, tags=["cases"])
# Staff, or a partner system with its organisation's API token (decision 0017): institutions
# read and answer their referrals and record a child protection unit's procedure.
partner_auth = [StaffSessionAuth(), ApiTokenAuth()]
api.add_router("/referrals", referrals_router, tags=["referrals"], auth=partner_auth)
api.add_router("/referrals", procedure_router, tags=["referral procedure"], auth=partner_auth)
