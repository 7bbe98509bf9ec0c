"""Claims of the test provider: each test user's level, the way BundID or an eIDAS node would send it."""

from allauth.idp.oidc.adapter import DefaultOIDCAdapter

# Test users (e-mail -> claims): one per level and claim style.
USERS = {
    "niedrig@idp.example": {"trust_level_authentication": "level1"},
    "substanziell@idp.example": {"trust_level_authentication": "level3"},
    "hoch@idp.example": {"trust_level_authentication": "level4"},
    "eidas-hoch@idp.example": {"acr": "http://eidas.europa.eu/LoA/high"},
}


class LevelClaimsAdapter(DefaultOIDCAdapter):
    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs):
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        level = USERS.get(user.email, {})
        # acr belongs in the ID token (OIDC Core 2); BundID sends trust_level_authentication as a claim too.
        if purpose == "id_token" and "acr" in level:
            claims["acr"] = level["acr"]
        if "trust_level_authentication" in level:
            claims["trust_level_authentication"] = level["trust_level_authentication"]
        return claims
