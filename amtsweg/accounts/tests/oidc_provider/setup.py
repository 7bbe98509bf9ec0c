"""Prepare the test provider's database: its tables, the test users and Amtsweg's client registration.

Run as ``python -m amtsweg.accounts.tests.oidc_provider.setup <redirect_uri> <client_id> <secret> <password>``
with DJANGO_SETTINGS_MODULE=amtsweg.accounts.tests.oidc_provider.settings.
"""

import sys

import django


def main(redirect_uri: str, client_id: str, secret: str, password: str) -> None:
    django.setup()
    from allauth.account.models import EmailAddress
    from allauth.idp.oidc.models import Client
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from amtsweg.accounts.tests.oidc_provider.adapter import USERS

    call_command("migrate", verbosity=0, interactive=False)
    for address in USERS:
        user = get_user_model().objects.create_user(
            username=address.split("@")[0], email=address, password=password, first_name="Erika", last_name="Test"
        )
        EmailAddress.objects.create(user=user, email=address, verified=True, primary=True)
    client = Client(id=client_id, name="Amtsweg (Test)", skip_consent=True)
    client.set_secret(secret)
    client.set_scopes(["openid", "profile", "email"])
    client.set_redirect_uris([redirect_uri])
    client.set_response_types(["code"])
    client.set_grant_types([Client.GrantType.AUTHORIZATION_CODE])
    client.save()


if __name__ == "__main__":
    main(*sys.argv[1:5])
