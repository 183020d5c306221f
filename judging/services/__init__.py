"""Writes of expert judging, by subject: the pool, rounds and assignment, reviews, results."""

#: Keys of audit-trail `changes` that are not model fields (their labels: judging/apps.py).
AUDIT_ASSIGNMENTS = "_assignments"  # a round's number of assignments, before → after
AUDIT_ENTRIES = "_entries"  # a round's number of cases
AUDIT_RESULTS = "_results"  # kept for entries written before results had their own note
AUDIT_SCORE_PREFIX = "score:"  # + the criterion's name: one criterion score of a review
