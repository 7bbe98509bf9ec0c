from django.urls import path, register_converter

from amtsweg.assistant import views

app_name = "assistant"


class AgsConverter:
    regex = "[0-9]{8}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TokenConverter:
    regex = "[A-Za-z0-9_-]{20,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AgsConverter, "aw_ags")
register_converter(TokenConverter, "aw_token")

# Fixed names in a draft's URL contain a hyphen, so they never collide with step keys ([a-z0-9_]).
urlpatterns = [
    path("fortsetzen/<aw_token:token>/", views.resume_link, name="resume"),
    path("mein-entwurf/<int:pk>/fortsetzen/", views.account_draft_resume, name="account_draft_resume"),
    path("mein-entwurf/<int:pk>/loeschen/", views.account_draft_delete, name="account_draft_delete"),
    path("nachreichen/<str:number>/", views.reopen_step, name="reopen"),
    path("nachreichen/<str:number>/datei/<slug:ref>/", views.reopen_file, name="reopen_file"),
    path("<slug:key>/<aw_ags:ags>/", views.start, name="start"),
    path("<slug:key>/<aw_ags:ags>/<aw_token:token>/", views.draft_entry, name="draft"),
    path("<slug:key>/<aw_ags:ags>/<aw_token:token>/antrag-pruefen/", views.review, name="review"),
    path("<slug:key>/<aw_ags:ags>/<aw_token:token>/kein-antrag-noetig/", views.stop, name="stop"),
    path("<slug:key>/<aw_ags:ags>/<aw_token:token>/spaeter-fortsetzen/", views.save_later, name="save"),
    path("<slug:key>/<aw_ags:ags>/<aw_token:token>/datei/<slug:ref>/", views.upload_download, name="upload"),
    path("<slug:key>/<aw_ags:ags>/<aw_token:token>/<slug:step>/", views.step_view, name="step"),
]
