"""OAuth 2 client credentials for organisations' systems (Authlib)."""
