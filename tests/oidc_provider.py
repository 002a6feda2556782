"""A small OpenID Connect provider on 127.0.0.1 for the sign-in tests, built with Authlib's own server
(authorization code flow, OpenID Connect's ID token, PKCE S256 and nonce required, as Cognito's user
pools do) rather than hand-made tokens: the app's st.login talks to it exactly as to a real one,
and verifies its RS256-signed ID token against its JWKS.

Its sign-in page lists the test users with a button each (no password): the browser test clicks
the one it signs in as. Each user's ID token carries `cognito:groups`, as a Cognito user pool's does.

    provider = OidcProvider(users={"ana": {"email": ..., "name": ..., "groups": [...]}})
    provider.start(); provider.issuer; provider.secrets_toml(cookie_secret=...); provider.stop()
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, jsonify, request
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

KID = "gc-test-key"


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in {"openid", "email", "profile"})

    def check_redirect_uri(self, redirect_uri):
        # The app's port is chosen after the provider starts: any /oauth2callback on the loopback.
        return redirect_uri.startswith("http://127.0.0.1:") and redirect_uri.endswith("/oauth2callback")

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post") if endpoint == "token" else True

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class OidcProvider:
    def __init__(self, users: dict[str, dict], client_id: str = "ground-control-test"):
        self.users = users
        self.client = Client(client_id, secrets.token_urlsafe(24))
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})
        self.codes: dict[str, Code] = {}
        self.issued: list[str] = []  # who was issued an ID token, in order
        self._server = make_server("127.0.0.1", 0, self._app(), threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="oidc-provider", daemon=True)

    def start(self) -> OidcProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    def secrets_toml(self, cookie_secret: str, roles: str) -> str:
        """The app's .streamlit/secrets.toml for this provider: [auth] and the [roles] given."""
        return (
            "[auth]\n"
            'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{cookie_secret}"\n'
            f'client_id = "{self.client.client_id}"\n'
            f'client_secret = "{self.client.client_secret}"\n'
            f'server_metadata_url = "{self.issuer}/.well-known/openid-configuration"\n\n'
            f"{roles}\n"
        )

    # ---- the Flask app ------------------------------------------------------------------------

    def _app(self) -> Flask:
        provider = self
        app = Flask("oidc-test-provider")

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, req):
                data = req.payload.data
                provider.codes[code] = Code(code, req.client.get_client_id(), req.payload.redirect_uri,
                                            req.payload.scope, req.user, data.get("nonce"),
                                            data.get("code_challenge"), data.get("code_challenge_method"))

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found and found.client_id == client.get_client_id() else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce, req):
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client):
                return provider.key

            def get_client_claims(self, client):
                return {"iss": provider.issuer, "aud": [client.get_client_id()]}

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": KID}

            def generate_user_info(self, user, scope):
                person = provider.users[user]
                provider.issued.append(user)
                return UserInfo(sub=f"sub-{user}", name=person["name"], email=person["email"],
                                email_verified=True, **{"cognito:groups": list(person["groups"])})

        server = AuthorizationServer(app, query_client=lambda cid: self.client if cid == self.client.client_id
                                     else None, save_token=lambda token, req: None)
        server.register_grant(CodeGrant, [IdToken(require_nonce=True), CodeChallenge(required=True)])

        @app.get("/.well-known/openid-configuration")
        def metadata():
            return jsonify({
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": ["sub", "email", "name", "cognito:groups"],
            })

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [self.key.as_dict(private=False)]})

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            if request.method == "GET":
                server.get_consent_grant(end_user=None)  # refuses a bad client, redirect URI or request
                action = html.escape(f"/authorize?{urlencode(request.args)}")
                buttons = "".join(f'<button name="user" value="{html.escape(u)}">Sign in as {html.escape(p["name"])}'
                                  f"</button>" for u, p in self.users.items())
                return f'<!doctype html><title>Test sign-in</title><h1>Test sign-in</h1><form method="post" ' \
                       f'action="{action}">{buttons}</form>'
            user = request.form.get("user")
            return server.create_authorization_response(grant_user=user if user in self.users else None)

        @app.post("/token")
        def token():
            return server.create_token_response()

        return app
