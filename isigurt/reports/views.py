"""Placeholder report views; replaced by the report form and tracking pages."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_not_required
def report_start(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


@login_not_required
def track(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


@login_not_required
def app_shell(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")
