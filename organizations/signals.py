"""Leaving means leaving: a password change, a deactivation or a sign-out revokes what the person holds."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from . import tokens

User = get_user_model()


@receiver(pre_save, sender=User)
def _remember_credentials(sender, instance, update_fields=None, **kwargs):
    # check_password() re-hashing on sign-in saves update_fields={"password"}: same password, keep access.
    if instance.pk is None or (update_fields is not None and set(update_fields) <= {"password", "last_login"}):
        instance._clausier_revoke = False
        return
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    instance._clausier_revoke = bool(
        before and (before["password"] != instance.password or (before["is_active"] and not instance.is_active))
    )


@receiver(post_save, sender=User)
def _revoke_on_credentials_change(sender, instance, created, **kwargs):
    if not created and getattr(instance, "_clausier_revoke", False):
        instance._clausier_revoke = False
        tokens.revoke_access(instance)


@receiver(user_logged_out)
def _revoke_tokens_on_logout(sender, request, user, **kwargs):
    if user is not None:
        tokens.revoke_tokens(user)
