"""Signals between the parts of judging that grow separately.

`experts_drawn` is sent by the random drawing (judging/services/drawing.py) once a drawing is
recorded: `round`, `drawn` (the experts in drawn order), `backups` (in order), `actor`. The
invitations (judging/services/invitations.py) receive it and invite the drawn experts, keeping
the backups waiting in order."""

from django.dispatch import Signal

experts_drawn = Signal()
