"""Settings, for admins (sales ops): users, teams, pipelines and their stages, lost reasons,
deleted records."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.forms import model_to_dict
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salestrack.audit import trash
from salestrack.audit.models import Deleted
from salestrack.handover import services as handover
from salestrack.lib import keyset
from salestrack.lib.errors import Conflict
from salestrack.opportunities import lost_reasons, pipelines
from salestrack.opportunities.models import LostReason, Opportunity, Pipeline, Stage
from salestrack.teams import services
from salestrack.teams.models import Team, User
from salestrack.web import pages
from salestrack.web.forms.settings import (
    DeactivateForm,
    InviteForm,
    LostReasonForm,
    PipelineForm,
    StageForm,
    TeamForm,
    UserForm,
)


def admin_required(view):
    """Settings answer 404 to everyone but admins: to them the pages do not exist."""

    @functools.wraps(view)
    def check(request, *args, **kwargs):
        if not request.user.is_admin:
            raise Http404("No such page")
        return view(request, *args, **kwargs)

    return login_required(check)


def _posted(request):
    # Not `request.POST or None`: an empty POST must still be checked, and refused.
    return request.POST if request.method == "POST" else None


def _call_with_form(form, service, **kwargs):
    """Call a service with the form's data; its ValidationError lands beside the fields."""
    try:
        return service(**kwargs, **form.cleaned_data)
    except ValidationError as error:
        pages.add_errors(form, error)
        return None


def _form_page(request, form, *, tab: str, title: str, submit: str, back: str, **extra):
    context = {"form": form, "title": title, "submit": submit, "back": back, **extra}
    context |= {"tab": tab, "section": "settings"}
    return render(request, "settings/form.html", context, status=400 if form.errors else 200)


def _refused(request, error: ValidationError, page):
    """A button whose action the service refused: the page again, saying why."""
    messages.error(request, " ".join(error.messages))
    return page(request, status=400)


@admin_required
@require_GET
def settings_home(request):
    return redirect("settings-users")


# Users


def _users_page(request, status=200):
    users = User.objects.select_related("team").order_by("-is_active", "username")
    context = {"users": users, "tab": "users", "section": "settings"}
    return render(request, "settings/users.html", context, status=status)


@admin_required
@require_GET
def settings_users(request):
    return _users_page(request)


@admin_required
@require_http_methods(["GET", "POST"])
def user_new(request):
    form = InviteForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        user = _call_with_form(form, services.user_create, by=request.user)
        if user:
            messages.success(request, f"{user.username} can now sign in.")
            return redirect("settings-users")
    return _form_page(
        request, form, tab="users", title="Invite a user", submit="Invite", back="settings-users"
    )


@admin_required
@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    user = get_object_or_404(User, pk=pk)
    initial = model_to_dict(user, fields=list(UserForm.base_fields))
    form = UserForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        if _call_with_form(form, services.user_update, user=user, by=request.user):
            messages.success(request, f"{user.username} saved.")
            return redirect("settings-users")
    return _form_page(
        request,
        form,
        tab="users",
        title=f"Edit {user.username}",
        submit="Save",
        back="settings-users",
    )


@admin_required
@require_http_methods(["GET", "POST"])
def user_deactivate(request, pk):
    user = get_object_or_404(User, pk=pk, is_active=True)
    form = DeactivateForm(_posted(request), user=user)
    if request.method == "POST" and form.is_valid():
        moved = _call_with_form(form, handover.user_deactivate, user=user, by=request.user)
        if moved is not None:
            summary = ", ".join(f"{n} {kind}" for kind, n in moved.items() if n) or "nothing open"
            messages.success(request, f"{user.username} deactivated; moved {summary}.")
            return redirect("settings-users")
    work = {kind: records.count() for kind, records in handover.open_work(user).items()}
    context = {"form": form, "person": user, "work": work, "tab": "users", "section": "settings"}
    status = 400 if form.errors else 200
    return render(request, "settings/deactivate.html", context, status=status)


@admin_required
@require_POST
def user_reactivate(request, pk):
    user = get_object_or_404(User, pk=pk)
    try:
        services.user_reactivate(user=user, by=request.user)
    except ValidationError as error:
        return _refused(request, error, _users_page)
    messages.success(request, f"{user.username} can sign in again.")
    return redirect("settings-users")


# Teams


def _tree(teams) -> list[Team]:
    """The teams depth first, siblings by name, each with its `depth` for the indent."""
    children: dict[int | None, list[Team]] = {}
    for team in teams:
        children.setdefault(team.parent_id, []).append(team)
    rows = []

    def walk(parent_id, depth):
        for team in children.get(parent_id, []):
            team.depth = depth
            rows.append(team)
            walk(team.pk, depth + 1)

    walk(None, 0)
    return rows


def _teams_page(request, status=200):
    # Aggregates drop Meta.ordering: sort by name again so siblings are alphabetical.
    teams = (
        Team.objects.select_related("manager")
        .annotate(
            member_count=Count("members", distinct=True),
            child_count=Count("children", distinct=True),
        )
        .order_by("name")
    )
    context = {"teams": _tree(teams), "tab": "teams", "section": "settings"}
    return render(request, "settings/teams.html", context, status=status)


@admin_required
@require_GET
def team_list(request):
    return _teams_page(request)


@admin_required
@require_http_methods(["GET", "POST"])
def team_new(request):
    form = TeamForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        team = _call_with_form(form, services.team_create, by=request.user)
        if team:
            messages.success(request, f"Team {team.name} created.")
            return redirect("settings-teams")
    return _form_page(
        request, form, tab="teams", title="New team", submit="Create", back="settings-teams"
    )


@admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request, pk):
    team = get_object_or_404(Team, pk=pk)
    initial = model_to_dict(team, fields=list(TeamForm.base_fields))
    form = TeamForm(_posted(request), initial=initial, team=team)
    if request.method == "POST" and form.is_valid():
        if _call_with_form(form, services.team_update, team=team, by=request.user):
            messages.success(request, f"Team {form.cleaned_data['name']} saved.")
            return redirect("settings-teams")
    return _form_page(
        request,
        form,
        tab="teams",
        title=f"Edit {team.name}",
        submit="Save",
        back="settings-teams",
    )


@admin_required
@require_POST
def team_delete(request, pk):
    team = get_object_or_404(Team, pk=pk)
    try:
        services.team_delete(team=team, by=request.user)
    except ValidationError as error:
        return _refused(request, error, _teams_page)
    messages.success(request, f"Team {team.name} deleted.")
    return redirect("settings-teams")


# Pipelines and stages


def _back_to(pipeline_id: int):
    # Land on the pipeline just changed, not at the top of a long page.
    return redirect(reverse("settings-pipelines") + f"#pipeline-{pipeline_id}")


def _pipelines_page(request, status=200):
    stages = Stage.objects.annotate(deal_count=Count("opportunities")).order_by("position", "pk")
    rows = Pipeline.objects.prefetch_related(Prefetch("stages", queryset=stages))
    context = {"pipelines": rows, "tab": "pipelines", "section": "settings"}
    return render(request, "settings/pipelines.html", context, status=status)


@admin_required
@require_GET
def pipeline_list(request):
    return _pipelines_page(request)


@admin_required
@require_http_methods(["GET", "POST"])
def pipeline_new(request):
    form = PipelineForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        pipeline = _call_with_form(form, pipelines.pipeline_create, by=request.user)
        if pipeline:
            messages.success(request, f"Pipeline {pipeline.name} created with default stages.")
            return _back_to(pipeline.pk)
    return _form_page(
        request,
        form,
        tab="pipelines",
        title="New pipeline",
        submit="Create",
        back="settings-pipelines",
        intro="It starts with the default stages; rename, adjust, add or remove them next.",
    )


@admin_required
@require_http_methods(["GET", "POST"])
def stage_new(request, pk):
    pipeline = get_object_or_404(Pipeline, pk=pk)
    form = StageForm(_posted(request), initial={"probability": 50})
    if request.method == "POST" and form.is_valid():
        stage = _call_with_form(form, pipelines.stage_create, pipeline=pipeline, by=request.user)
        if stage:
            messages.success(request, f"Stage {stage.name} added to {pipeline.name}.")
            return _back_to(pipeline.pk)
    return _form_page(
        request,
        form,
        tab="pipelines",
        title=f"New stage in {pipeline.name}",
        submit="Add",
        back="settings-pipelines",
        intro="An open stage goes before the closed ones; move it up or down afterwards.",
    )


@admin_required
@require_http_methods(["GET", "POST"])
def stage_edit(request, pk):
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=pk)
    initial = model_to_dict(stage, fields=list(StageForm.base_fields))
    form = StageForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        if _call_with_form(form, pipelines.stage_update, stage=stage, by=request.user):
            messages.success(request, f"Stage {form.cleaned_data['name']} saved.")
            return _back_to(stage.pipeline_id)
    return _form_page(
        request,
        form,
        tab="pipelines",
        title=f"Edit {stage.name} ({stage.pipeline.name})",
        submit="Save",
        back="settings-pipelines",
        intro="Deals already in the stage keep their probability and forecast category.",
    )


@admin_required
@require_POST
def stage_move(request, pk):
    stage = get_object_or_404(Stage, pk=pk)
    try:
        pipelines.stage_move(stage=stage, by=request.user, direction=request.POST.get("direction"))
    except ValidationError as error:
        return _refused(request, error, _pipelines_page)
    messages.success(request, f"Stage {stage.name} moved {request.POST['direction']}.")
    return _back_to(stage.pipeline_id)


@admin_required
@require_POST
def stage_delete(request, pk):
    stage = get_object_or_404(Stage, pk=pk)
    try:
        pipelines.stage_delete(stage=stage, by=request.user)
    except ValidationError as error:
        return _refused(request, error, _pipelines_page)
    messages.success(request, f"Stage {stage.name} deleted.")
    return _back_to(stage.pipeline_id)


# Lost reasons


def _lost_reasons_page(request, status=200):
    # Counted apart: the deals point at a reason without a reverse name (related_name="+").
    used = dict(
        Opportunity.objects.filter(lost_reason__isnull=False)
        .order_by()
        .values_list("lost_reason")
        .annotate(n=Count("*"))
    )
    reasons = list(LostReason.objects.all())
    for reason in reasons:
        reason.deal_count = used.get(reason.pk, 0)
    context = {"reasons": reasons, "tab": "lost-reasons", "section": "settings"}
    return render(request, "settings/lost_reasons.html", context, status=status)


@admin_required
@require_GET
def lost_reason_list(request):
    return _lost_reasons_page(request)


@admin_required
@require_http_methods(["GET", "POST"])
def lost_reason_new(request):
    form = LostReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        reason = _call_with_form(form, lost_reasons.lost_reason_create, by=request.user)
        if reason:
            messages.success(request, f"Lost reason {reason.name} added.")
            return redirect("settings-lost-reasons")
    return _form_page(
        request,
        form,
        tab="lost-reasons",
        title="New lost reason",
        submit="Add",
        back="settings-lost-reasons",
        intro="It goes at the end of the list; move it up or down afterwards.",
    )


@admin_required
@require_http_methods(["GET", "POST"])
def lost_reason_edit(request, pk):
    reason = get_object_or_404(LostReason, pk=pk)
    initial = model_to_dict(reason, fields=list(LostReasonForm.base_fields))
    form = LostReasonForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        if _call_with_form(form, lost_reasons.lost_reason_update, reason=reason, by=request.user):
            messages.success(request, f"Lost reason {form.cleaned_data['name']} saved.")
            return redirect("settings-lost-reasons")
    return _form_page(
        request,
        form,
        tab="lost-reasons",
        title=f"Edit {reason.name}",
        submit="Save",
        back="settings-lost-reasons",
        intro="Deals lost for it keep it under its new name.",
    )


@admin_required
@require_POST
def lost_reason_move(request, pk):
    reason = get_object_or_404(LostReason, pk=pk)
    direction = request.POST.get("direction")
    try:
        lost_reasons.lost_reason_move(reason=reason, by=request.user, direction=direction)
    except ValidationError as error:
        return _refused(request, error, _lost_reasons_page)
    messages.success(request, f"Lost reason {reason.name} moved {direction}.")
    return redirect("settings-lost-reasons")


@admin_required
@require_POST
def lost_reason_retire(request, pk):
    """Retire a reason (no longer offered; deals lost for it keep it) or offer it again."""
    reason = get_object_or_404(LostReason, pk=pk)
    active = request.POST.get("active")
    if active not in ("0", "1"):
        messages.error(request, "Say whether to retire the reason or offer it again.")
        return _lost_reasons_page(request, status=400)
    lost_reasons.lost_reason_update(reason=reason, by=request.user, is_active=active == "1")
    done = "offered again" if active == "1" else "retired: no longer offered"
    messages.success(request, f"Lost reason {reason.name} {done}.")
    return redirect("settings-lost-reasons")


@admin_required
@require_POST
def lost_reason_delete(request, pk):
    reason = get_object_or_404(LostReason, pk=pk)
    try:
        lost_reasons.lost_reason_delete(reason=reason, by=request.user)
    except Conflict as error:
        messages.error(request, error.message)
        return _lost_reasons_page(request, status=409)
    messages.success(request, f"Lost reason {reason.name} deleted.")
    return redirect("settings-lost-reasons")


# Deleted records (the trash, audit/trash.py)


def _deleted_page(request, status=200):
    page = keyset.paginate(
        Deleted.objects.select_related("deleted_by").defer("rows", "unlinked"),
        order="-deleted_at",
        size=pages.PAGE_SIZE,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    context = {"page": page, "rows": page.rows, "tab": "deleted", "section": "settings"}
    return render(request, "settings/deleted.html", context, status=status)


@admin_required
@require_GET
def deleted_list(request):
    return _deleted_page(request)


@admin_required
@require_POST
def deleted_restore(request, pk):
    deleted = get_object_or_404(Deleted.objects.defer("rows", "unlinked"), pk=pk)
    try:
        trash.record_restore(deleted=deleted, by=request.user)
    except Conflict as error:
        messages.error(request, error.message)
        return _deleted_page(request, status=409)
    messages.success(request, f"{deleted.kind.capitalize()} {deleted.name} restored.")
    return redirect("settings-deleted")
