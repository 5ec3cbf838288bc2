"""Who the lead may designate as an evaluator: the members of the tender's organisation whose role there is
"evaluator" and who are not designated yet (one query). A buyer or admin leads and may not also score
(services.evaluator_add refuses them), so they are not offered."""

from .access import designatable_evaluators


def evaluator_choices(tender) -> list[dict]:
    """[{"username", "label"}] ordered by name: the label is "Full Name (username)" or the username."""
    members = (
        designatable_evaluators(tender)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    out = {}
    for membership in members:  # a person holds one role per organisation; a duplicate would be listed once
        user = membership.user
        name, username = user.get_full_name(), user.get_username()
        out.setdefault(username, {"username": username, "label": f"{name} ({username})" if name else username})
    return list(out.values())
