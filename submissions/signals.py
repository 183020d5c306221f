"""Signals of case collection that higher apps act on (this app cannot import them)."""

from django.dispatch import Signal

#: Sent by services.call_save, inside its transaction, when a call's award numbers changed
#: (keyword argument `call`): judging recomputes the results that depend on them.
award_numbers_changed = Signal()

#: Sent by services.call_copy, inside its transaction, once the new call, its categories and
#: its form fields exist (keyword arguments `source`, `copy`, `categories`: source category id
#: → the new Category, and `actor`): judging copies the source's rounds and their criteria.
call_copied = Signal()

#: Sent by services.cases_screen, inside its transaction, before accepted cases are rejected or
#: returned (keyword argument `cases`: those cases). A receiver refuses by raising a
#: ValidationError: judging refuses for cases already in a round that has opened (collection
#: and judging may overlap, see lifecycle.py).
accepted_cases_leaving = Signal()
