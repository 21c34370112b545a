"""Citizens' 👍/👎 on the assistant's answers."""
