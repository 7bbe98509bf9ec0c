"""Admin scoping by authority: staff see and touch only rows of the authorities they work for.

Without this any staff user with a view permission would list every Kommune's applications (with
IBANs). A ModelAdmin names the path from its model to ``directory.Authority`` in ``authority_field``
(e.g. ``"vorgang__authority"``); the queryset is filtered by the user's memberships, so list, change
view, history, delete and actions (which all start from ``get_queryset``) answer 404 for other rows.
Superusers (zentrale Koordination) see everything.
"""

from __future__ import annotations

from amtsweg.directory.models import Authority
from amtsweg.directory.selectors import authorities_of, authority_ids_of, user_may_work_for


class AuthorityScopedAdminMixin:
    #: Lookup path from the model to its authority (a ForeignKey to directory.Authority).
    authority_field: str = "authority"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = authority_ids_of(request.user)
        if ids is None:
            return queryset
        return queryset.filter(**{f"{self.authority_field}__in": ids})

    def _object_authority_id(self, obj) -> int | None:
        value = obj
        for part in self.authority_field.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value.pk

    def _object_in_scope(self, request, obj) -> bool:
        return obj is None or user_may_work_for(request.user, self._object_authority_id(obj))

    def has_view_permission(self, request, obj=None):
        return self._object_in_scope(request, obj) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._object_in_scope(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._object_in_scope(request, obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A Kommune's staff can only pick their own authorities (e.g. for a routing or a target).
        if db_field.related_model is Authority:
            kwargs["queryset"] = authorities_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
