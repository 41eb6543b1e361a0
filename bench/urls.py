"""The platform's URLs plus the baseline endpoint that bench/intake compares intake against."""

import json

from django.contrib.auth.decorators import login_not_required
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from isigurt.urls import urlpatterns as platform_urlpatterns


@csrf_exempt
@require_POST
@login_not_required
def baseline(request: HttpRequest) -> HttpResponse:
    """The least an intake endpoint does on this stack: parse JSON, insert one row, commit."""
    body = json.loads(request.body or b"{}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_baseline (body) VALUES (%s) RETURNING id", [json.dumps(body)]
        )
        row_id = cursor.fetchone()[0]
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [path("bench/baseline", baseline), *platform_urlpatterns]
