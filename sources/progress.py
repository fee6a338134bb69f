"""How long-running work (a load, a demo build, training, scoring) says how far it got."""

from collections.abc import Callable

# Called with the share done (0..1) and a short line for a person to read.
Progress = Callable[[float, str], None]
