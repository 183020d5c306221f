"""What every app shares: form fields and widgets, safe parameters, messages, serving protected
files, text for exports, tabular imports, queueing tasks, and the project-wide pages (home,
language switch, health check).

A low layer: it may import accounts, Django and libraries, never submissions, judging,
publishing or audit.
"""
