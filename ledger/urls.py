from django.urls import path

from ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("check/", views.check, name="check"),
    path("verify/", views.verifier, name="verifier"),
    path("entries/<int:index>/proof/", views.proof, name="proof"),
    path("entries/<int:index>/opening/", views.opening, name="opening"),
    path("tiles/checkpoint", views.tiles_checkpoint, name="tiles-checkpoint"),
    path("tiles/tile/<path:path>", views.tile, name="tile"),
]
