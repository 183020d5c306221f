"""The authentication backend: Django's, loading the user with the profiles roles read."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .roles import PROFILES


class UserBackend(ModelBackend):
    """Loads the request's user with its one-to-one role profiles (accounts.roles.PROFILES) in
    the same query, so that asking a role costs no query of its own."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related(*PROFILES)
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
