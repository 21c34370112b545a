"""A person when the bot cannot help: working hours, holidays, and messages left for staff."""
