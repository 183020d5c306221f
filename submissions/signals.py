"""Signals of case collection that higher apps act on (this app cannot import them)."""

from django.dispatch import Signal

#: Sent by services.call_save, inside its transaction, when a call's award numbers changed
#: (keyword argument `call`): judging recomputes the results that depend on them.
award_numbers_changed = Signal()
