"""The JSON API at /api/v1/: each app keeps its endpoints in its own api.py."""

from ninja import NinjaAPI

from isigurt.api.auth import StaffSessionAuth
from isigurt.api.docs import PlatformSwagger
from isigurt.api.errors import install_error_handlers
from isigurt.geography.api import router as geography_router
from isigurt.reports.api import router as reports_router

api = NinjaAPI(
    title="I Sigurt API",
    version="1",
    description="Reporting and reference data for the I Sigurt platform and its phone app.",
    urls_namespace="api",
    docs_url="/docs",
    docs=PlatformSwagger(),  # served from the platform, under the CSP
    # Closed by default: an operation is public only where its router says auth=None.
    auth=StaffSessionAuth(),
)
install_error_handlers(api)
# Public: reference data, and intake (reporters prove themselves with their secret).
api.add_router("/geography", geography_router, tags=["geography"], auth=None)
api.add_router("/", reports_router, tags=["reports"], auth=None)
