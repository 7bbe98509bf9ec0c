from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from amtsweg.web.api import api_not_found

admin.site.site_header = "Amtsweg – Verwaltung"
admin.site.site_title = "Amtsweg"

urlpatterns = [
    path("admin/", admin.site.urls),
    # The language switcher posts here (Django's set_language: cookie, then back to "next").
    # Exempt from CSRF (ADR 0025): a forged request can only switch the display language, and a token in every
    # page's header would make no page cacheable for cookieless visitors (ADR 0027).
    path("sprache/", csrf_exempt(set_language), name="set_language"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI with its init script as a separate response: runs under the strict CSP as is (docs/adr/0020).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="web/api_docs.html", title="Amtsweg API – Dokumentation"
        ),
        name="api-docs",
    ),
    path("api/v1/hub/", include("amtsweg.hub.api_urls")),
    path("api/v1/verzeichnis/", include("amtsweg.directory.api_urls")),
    path("api/v1/abdeckung/", include("amtsweg.rollout.api_urls")),
    path("api/v1/", include("amtsweg.projekte.api_urls")),
    path("api/v1/", include("amtsweg.finder.api_urls")),
    # Anything else under /api/ answers like the API does (JSON with "detail"), not with the HTML 404 page.
    re_path(r"^api/", api_not_found),
    path("antrag/", include("amtsweg.assistant.urls")),
    # Accounts (issue 10): our pages first, then allauth's (login, sign-up, e-mail, second factor, providers).
    path("konto/antraege/", include("amtsweg.postfach.urls")),
    path("konto/", include("amtsweg.accounts.urls")),
    path("konto/", include("allauth.urls")),
    path("sachbearbeitung/", include("amtsweg.inbox.urls")),
    path("rollout/", include("amtsweg.rollout.urls")),
    path("konfiguration/", include("amtsweg.konfig.urls")),
    # OZG-Projektlandkarte (public) and Beteiligung (staff, second factor) — issue 13.
    path("projekte/", include("amtsweg.projekte.urls")),
    path("beteiligung/", include("amtsweg.projekte.urls_beteiligung")),
    path("", include("amtsweg.ops.urls")),
    path("", include("amtsweg.pages.urls")),
    path("", include("amtsweg.submissions.urls")),
    path("", include("amtsweg.finder.urls")),
]

handler404 = "amtsweg.web.views.not_found"
handler500 = "amtsweg.web.views.server_error"
