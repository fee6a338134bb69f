"""The all-or-nothing loader (moved here whole; split into its stages by the next commit)."""

from sources.load.check import *  # noqa: F403
