"""Staff accounts of the admin app: password hashing, users, login sessions, the CLI."""
