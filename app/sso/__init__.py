"""Single sign-on with OpenID Connect: the relying party, and a provider for tests and demos."""
