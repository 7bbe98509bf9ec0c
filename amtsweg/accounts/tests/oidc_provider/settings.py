"""A real OpenID Connect provider for the tests: a separate Django process with allauth's IdP (allauth.idp.oidc).

It stands in for BundID or a Land account: the relying party (Amtsweg) talks to it over HTTP on loopback
exactly as to the real thing (discovery, authorization code with PKCE, token, JWKS, userinfo). Its test users
carry their Vertrauensniveau, which the claims adapter emits as ``acr`` or ``trust_level_authentication``.
Started by the ``oidc_provider`` fixture (amtsweg/accounts/tests/test_e2e_oidc.py) with its own SQLite file.
"""

import os

SECRET_KEY = "test-identity-provider-only-" + "x" * 30
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "allauth",
    "allauth.account",
    "allauth.idp.oidc",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
ROOT_URLCONF = "amtsweg.accounts.tests.oidc_provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["OIDC_PROVIDER_DB"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LANGUAGE_CODE = "de"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_RATE_LIMITS = False
# Both servers run on 127.0.0.1: cookies do not tell ports apart, so the provider's have their own names.
SESSION_COOKIE_NAME = "idp_sessionid"
CSRF_COOKIE_NAME = "idp_csrftoken"
IDP_OIDC_PRIVATE_KEY = os.environ["OIDC_PROVIDER_KEY"]
IDP_OIDC_ADAPTER = "amtsweg.accounts.tests.oidc_provider.adapter.LevelClaimsAdapter"
LOGGING = {"version": 1, "disable_existing_loggers": False}
