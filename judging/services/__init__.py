"""Writes of expert judging, by subject: the pool, rounds and assignment, reviews, results."""
