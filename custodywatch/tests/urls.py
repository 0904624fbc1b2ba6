"""The product's URLs plus one that fails, to see the server-error page as a user would."""

from django.urls import path

from custodywatch.urls import urlpatterns as product_urlpatterns


def broken(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("broken-for-test/", broken), *product_urlpatterns]
