"""Pages of the messaging app: the outbox and the template editor (organizers), and each
person's choice of channel."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import organizer_required

from . import events, scopes, selectors, services, sms
from .forms import ChannelForm, MessageTemplateForm, OutboxFilterForm
from .models import Message

PAGE_SIZE = 50


def _filtered(request):
    form = OutboxFilterForm(request.GET or None)
    qs = selectors.messages_visible_to(request.user)
    if form.is_bound:
        if not form.is_valid():
            return form, None, None
        filters = form.filters()
        by_status = selectors.messages_filter(qs, **{**filters, "status": ""})
        return form, selectors.messages_filter(qs, **filters), by_status
    return form, qs, qs


@organizer_required
@require_http_methods(["GET"])
def outbox(request):
    form, qs, by_status = _filtered(request)
    page, counts = None, {}
    if qs is not None:
        page = Paginator(selectors.outbox_page_rows(qs), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        counts = selectors.status_counts(by_status)
    return render(
        request,
        "messaging/outbox.html",
        {
            "form": form,
            "page": page,
            "counts": [
                (value, label, counts.get(value, 0)) for value, label in Message.Status.choices
            ],
        },
        status=200 if qs is not None else 400,
    )


@organizer_required
@require_POST
def outbox_resend_failed(request):
    form, qs, _by_status = _filtered(request)
    back = reverse("messaging:outbox")
    if qs is None:
        messages.error(request, _("Correct the filters first."))
        return redirect(back)
    query = request.GET.urlencode()
    if query and len(query) < 2000:  # back to the same list (valid filters are short)
        back += f"?{query}"
    n = services.messages_resend_failed(messages=qs, actor=request.user)
    if n:
        messages.success(request, _("%(n)d failed messages are queued again.") % {"n": n})
    else:
        messages.info(request, _("No failed message with an address matches these filters."))
    return redirect(back)


def _message(request, pk: int) -> Message:
    return get_object_or_404(
        selectors.messages_visible_to(request.user).select_related("user", "created_by"), pk=pk
    )


@organizer_required
@require_http_methods(["GET"])
def message_detail(request, pk: int):
    msg = _message(request, pk)
    return render(request, "messaging/message_detail.html", {"msg": msg})


@organizer_required
@require_POST
def message_resend(request, pk: int):
    msg = _message(request, pk)
    try:
        services.message_resend(message=msg, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The message is queued again."))
    return redirect("messaging:message_detail", pk=msg.pk)


def _scope(kind: str | None, key: str | None):
    if kind is None:
        return None, None
    k = scopes.kind(kind)
    obj = scopes.get(kind, key or "")
    if k is None or obj is None:
        raise Http404
    return k, obj


def _templates_url(kind, obj) -> str:
    if obj is None:
        return reverse("messaging:templates")
    return reverse("messaging:scope_templates", args=[kind.kind, scopes.key_of(obj)])


@organizer_required
@require_http_methods(["GET"])
def templates(request, kind: str | None = None, key: str | None = None):
    k, obj = _scope(kind, key)
    return render(
        request,
        "messaging/templates.html",
        {
            "kind": k,
            "scope": obj,
            "rows": selectors.template_rows(obj),
            "back_url": k.back_url(obj) if k else None,
            "edit_base": _templates_url(k, obj),
        },
    )


def _preview(event: str, data: dict) -> dict:
    sample = {name: str(value) for name, value in events.SAMPLES.items()}
    sample["portal"] = settings.PORTAL_NAME
    return {
        "subject": events.render(data.get("subject", ""), sample),
        "body": events.render(data.get("body", ""), sample),
        "sms": events.render(data.get("sms", "") or data.get("body", ""), sample),
    }


@organizer_required
@require_http_methods(["GET", "POST"])
def template_edit(request, event: str, kind: str | None = None, key: str | None = None):
    k, obj = _scope(kind, key)
    ev = events.EVENTS.get(event)
    if ev is None or (obj is not None and event in events.PORTAL_ONLY):
        raise Http404
    own = selectors.message_template(event, obj)
    back = _templates_url(k, obj)
    preview = None
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "restore":
        services.message_template_restore(event=event, scope=obj, actor=request.user)
        messages.success(
            request, _("“%(event)s” uses the default wording again.") % {"event": ev.label}
        )
        return redirect(request.path)
    if request.method == "POST":
        form = MessageTemplateForm(request.POST, event=event)
        if form.is_valid():
            if action == "preview":
                preview = _preview(event, form.cleaned_data)
            else:
                try:
                    services.message_template_save(
                        event=event, scope=obj, actor=request.user, **form.cleaned_data
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(
                        request, _("The wording of “%(event)s” is saved.") % {"event": ev.label}
                    )
                    return redirect(back)
    else:
        subject, body, text = services.template_for(event=event, scope=obj)
        form = MessageTemplateForm(
            initial={"subject": subject, "body": body, "sms": text}, event=event
        )
        preview = _preview(event, {"subject": subject, "body": body, "sms": text})
    placeholders = [(name, label) for name, label in {**events.COMMON, **ev.placeholders}.items()]
    return render(
        request,
        "messaging/template_edit.html",
        {
            "event": ev,
            "kind": k,
            "scope": obj,
            "own": own,
            "form": form,
            "preview": preview,
            "placeholders": placeholders,
            "back_url": back,
            "scope_url": k.back_url(obj) if k else None,
        },
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def channel(request):
    user = request.user
    if request.method == "POST":
        form = ChannelForm(request.POST)
        if form.is_valid():
            try:
                services.user_channel_set(
                    user=user, channel=form.cleaned_data["message_channel"], actor=user
                )
            except ValidationError as exc:
                form.add_error("message_channel", exc)
            else:
                messages.success(request, _("Your choice is saved."))
                return redirect("messaging:channel")
    else:
        form = ChannelForm(initial={"message_channel": user.message_channel})
    return render(
        request,
        "messaging/channel.html",
        {"form": form, "sms_enabled": sms.enabled()},
        status=400 if form.errors else 200,
    )
