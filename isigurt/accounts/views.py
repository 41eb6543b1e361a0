"""Placeholder staff views; replaced by the login and second-factor flow."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from isigurt.accounts.middleware import second_factor_not_required


@login_not_required
def login_view(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


@second_factor_not_required
def verify_view(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


@require_POST
@second_factor_not_required
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("hub:home")


def staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")
