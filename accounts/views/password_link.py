"""The page a one-time link opens: the person sets their own password (accounts.password_links).

Django's PasswordResetConfirmView checks the link and moves its token into the session at once,
so the address bar, the history and any Referer show `.../set-password/` instead. Saving goes
through accounts.services.set_password_from_link, which checks the token again, applies the
password validators and records the use. The person is not logged in here: they log in next
with their new password, and their second factor, if any, is asked for then as always.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services
from accounts.forms import show_service_errors
from accounts.models import User


class PasswordLinkView(PasswordResetConfirmView):
    template_name = "accounts/password_link.html"
    success_url = reverse_lazy("accounts:login")
    title = gettext_lazy("Choose your password")
    post_reset_login = False

    def get_user(self, uidb64: str) -> User | None:
        user = super().get_user(uidb64)
        # A deactivated account's link opens nothing, whatever its token.
        return user if user is not None and user.is_active else None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["person"] = self.user if self.validlink else None
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        # never_cache already forbids storing the page; its address goes to no other site either.
        # (Not "no-referrer": the browser would then send "Origin: null" and fail the CSRF check.)
        response["Referrer-Policy"] = "same-origin"
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        token = self.request.session.get(INTERNAL_RESET_SESSION_TOKEN)
        try:
            services.set_password_from_link(user=self.user, token=token,
                                            password=form.cleaned_data["new_password1"])
        except ValidationError as error:
            show_service_errors(form, error)
            return self.form_invalid(form)
        self.request.session.pop(INTERNAL_RESET_SESSION_TOKEN, None)
        messages.success(self.request, _("Your password is set. Log in with it now."))
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


password_link = PasswordLinkView.as_view()
