from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.views import password_link, people, security


class LogoutView(auth_views.LogoutView):
    """Log-out also clears what this site kept in the browser: the offline visit pages in the service
    worker's cache and the records in IndexedDB (docs/visits.md, "Log-out and a shared device")."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("no-access/", views.no_access, name="no_access"),
    path("password/<uidb64>/<token>/", password_link.password_link, name="password-link"),
    path("account/", security.account, name="account"),
    path("account/password/", security.password_change, name="password-change"),
    path("account/two-factor/", security.two_factor_setup, name="two-factor-setup"),
    path("account/two-factor/verify/", security.two_factor_verify, name="two-factor-verify"),
    path("account/two-factor/remove/", security.account_remove_two_factor, name="two-factor-remove"),
    path("account/tokens/<int:token_pk>/revoke/", security.account_token_revoke, name="account-token-revoke"),
    path("people/", people.user_list, name="users"),
    path("people/new/", people.user_create, name="user-create"),
    path("people/<int:pk>/", people.user_detail, name="user"),
    path("people/<int:pk>/edit/", people.user_edit, name="user-edit"),
    path("people/<int:pk>/deactivate/", people.user_deactivate, name="user-deactivate"),
    path("people/<int:pk>/reactivate/", people.user_reactivate, name="user-reactivate"),
    path("people/<int:pk>/password/", people.user_reset_password, name="user-reset-password"),
    path("people/<int:pk>/two-factor/remove/", people.user_remove_two_factor, name="user-two-factor-remove"),
    path("people/<int:pk>/tokens/<int:token_pk>/revoke/", people.user_token_revoke, name="user-token-revoke"),
    path("organisations/<int:pk>/two-factor/", people.organisation_two_factor, name="organisation-two-factor"),
]
