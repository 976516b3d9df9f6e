from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from graphql_api.views import AccountsGraphQLView

# CSRF-exempt: the API authenticates by header only, never by cookie.
urlpatterns = [
    path("", csrf_exempt(AccountsGraphQLView.as_view()), name="graphql"),
]
