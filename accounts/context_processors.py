from . import roles as roles_mod


def roles(request):
    user = request.user
    return {
        "is_organizer": roles_mod.is_organizer(user),
        "is_unit_member": roles_mod.is_unit_member(user),
        "is_judge_user": roles_mod.is_judge(user),
        "is_editor_user": roles_mod.is_editor(user),
    }
