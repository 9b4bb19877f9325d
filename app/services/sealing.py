"""Secrets kept encrypted at rest (AES-GCM), each purpose with its own key derived from
the secret key, and each sealed value bound to its organization: a value copied to
another organization's row does not open there."""

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.settings import get_settings


@dataclass(frozen=True)
class Sealer:
    key_purpose: str  # names the derived key
    bound_as: str     # the associated data's prefix, with the organization's id

    def _cipher(self) -> AESGCM:
        return AESGCM(get_settings().key(self.key_purpose))

    def _bound_to(self, organization_id: int) -> bytes:
        return f"{self.bound_as}:{organization_id}".encode()

    def seal(self, secret: str, organization_id: int) -> str:
        nonce = os.urandom(12)
        box = self._cipher().encrypt(nonce, secret.encode(), self._bound_to(organization_id))
        return base64.urlsafe_b64encode(nonce + box).decode()

    def unseal(self, sealed: str, organization_id: int) -> str:
        """The secret; cryptography's InvalidTag when it was sealed for another
        organization, with another key, or altered."""
        raw = base64.urlsafe_b64decode(sealed.encode())
        return self._cipher().decrypt(raw[:12], raw[12:],
                                      self._bound_to(organization_id)).decode()


WEBHOOK_SECRETS = Sealer("webhook-secrets", "webhook-secret")
CLIENT_SECRETS = Sealer("sso-client-secrets", "sso-client-secret")  # identity providers
