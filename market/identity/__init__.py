"""Identity: users, organisations, memberships, staff roles and invitations."""
